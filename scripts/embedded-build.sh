#!/usr/bin/env bash
# Compiles the runtime core as Embedded Swift for a bare target, module by module, the way the
# board binary is built. Used by `make embedded-check` so the core can never silently stop being
# Embedded-clean (no Foundation, no existentials, typed throws only).
#
# usage: scripts/embedded-build.sh TARGET OUTDIR [SYSROOT_INCLUDE]
#   TARGET           e.g. aarch64-none-none-elf
#   OUTDIR           where the .o and .swiftmodule files go
#   SYSROOT_INCLUDE  libc headers for the target's C code (default /usr/aarch64-linux-gnu/include)
# Extra swiftc flags (a -target-cpu, say) come from EMBEDDED_SWIFT_FLAGS.
set -euo pipefail
target=$1
out=$2
sysroot_include=${3:-/usr/aarch64-linux-gnu/include}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/include"
# protobuf-c's header is the same for every architecture; expose only it, not the host's /usr/include.
ln -sfn /usr/include/protobuf-c "$out/include/protobuf-c"

# Module order follows the dependencies in Package.swift. Embedded Swift emits, into each module, weak
# copies of what it uses from the modules below it; one section per function lets the linker keep
# a single copy (--gc-sections).
modules=(ONNXFormat TensorFiles Runtime Commands)

common=(
  -target "$target" -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -Xfrontend -function-sections
  -Xcc -fPIC -Xcc -isystem -Xcc "$sysroot_include" -Xcc -isystem -Xcc "$out/include"
  -I "$root/Sources/CONNXProto/include" -I "$root/Sources/CSupport/include" -I "$out"
  ${EMBEDDED_SWIFT_FLAGS:-}
)

for module in "${modules[@]}"; do
  rm -f "$out/$module.o"
  mapfile -t sources < <(find "$root/Sources/$module" -name '*.swift' | sort)
  if ! swiftc "${common[@]}" -module-name "$module" \
    -emit-module -emit-module-path "$out/$module.swiftmodule" \
    -c "${sources[@]}" -o "$out/$module.o"; then
    echo "embedded-build: $module does not compile as Embedded Swift for $target"
    exit 1
  fi
done
echo "embedded-build: ${modules[*]} compile as Embedded Swift for $target"
