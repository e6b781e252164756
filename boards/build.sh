#!/usr/bin/env bash
# Builds build/boards/BOARD/onnx-run: the runtime core compiled as Embedded Swift for the board's CPU
# and linked with the board's GNU toolchain into one static PIE (libc, libm and libprotobuf-c inside).
#
# usage: boards/build.sh BOARD      (BOARD names a file boards/BOARD.conf)
set -euo pipefail
board=$1
root=$(cd "$(dirname "$0")/.." && pwd)
conf="$root/boards/$board.conf"
[ -f "$conf" ] || { echo "boards/build.sh: no board '$board' (boards/*.conf: $(cd "$root/boards" && ls *.conf | sed 's/.conf//' | tr '\n' ' '))"; exit 2; }
# shellcheck source=/dev/null
source "$conf"
out="$root/build/boards/$board"
obj="$out/obj"
mkdir -p "$obj"
cc="$BOARD_LINUX_TRIPLE-gcc"
multiarch="/usr/lib/$BOARD_LINUX_TRIPLE"
include="/usr/$BOARD_LINUX_TRIPLE/include"
[ -d "$include" ] || include="/usr/include/$BOARD_LINUX_TRIPLE"
swift_lib="$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/embedded/$BOARD_SWIFT_TARGET"

EMBEDDED_SWIFT_FLAGS="-target-cpu $BOARD_CPU" \
  "$root/scripts/embedded-build.sh" "$BOARD_SWIFT_TARGET" "$obj" "$include" >/dev/null

swiftc -target "$BOARD_SWIFT_TARGET" -target-cpu "$BOARD_CPU" -enable-experimental-feature Embedded -wmo \
  -parse-as-library -Osize -Xfrontend -function-sections -Xcc -fPIC -Xcc -isystem -Xcc "$include" -Xcc -isystem -Xcc "$obj/include" \
  -I "$root/Sources/CONNXProto/include" -I "$root/Sources/CSupport/include" -I "$obj" \
  -module-name BoardMain -c "$root/boards/onnx-run/main.swift" -o "$obj/main.o"
# Every C file of CSupport, so that a new one cannot be left out of the board.
c_objects=()
for source in "$root"/Sources/CSupport/*.c; do
  part=$(basename "$source" .c)
  $cc $BOARD_CC_FLAGS -O2 -fPIC -ffunction-sections -fdata-sections -I "$root/Sources/CSupport/include" \
    -c "$source" -o "$obj/$part.o"
  c_objects+=("$obj/$part.o")
done
$cc $BOARD_CC_FLAGS -O2 -fPIC -ffunction-sections -fdata-sections -I "$root/Sources/CONNXProto/include" -c "$root/Sources/CONNXProto/onnx.pb-c.c" -o "$obj/onnx.pb-c.o"

swift_objects=("$obj"/ONNXFormat.o "$obj"/TensorFiles.o "$obj"/Runtime.o "$obj"/Commands.o "$obj"/main.o)
$cc -static-pie -Wl,--gc-sections -o "$out/onnx-run" "${swift_objects[@]}" "${c_objects[@]}" "$obj/onnx.pb-c.o" \
  "$multiarch/libprotobuf-c.a" "$swift_lib/libswiftUnicodeDataTables.a" -lpthread -lm
"$BOARD_LINUX_TRIPLE-strip" "$out/onnx-run"

binary=$(stat -c %s "$out/onnx-run")
# onnx-quant's own code: the linked program's text less that of the same link without it (libc,
# libm, libprotobuf-c and Swift's unicode tables), measured by linking an empty main the same way.
printf 'int main(void) { return 0; }\n' > "$obj/empty.c"
$cc -static-pie -Wl,--gc-sections -o "$obj/empty" "$obj/empty.c" -lm
own=$(( $("$BOARD_LINUX_TRIPLE-size" -A "$out/onnx-run" | awk '$1 == ".text" { print $2 }') \
      - $("$BOARD_LINUX_TRIPLE-size" -A "$obj/empty" | awk '$1 == ".text" { print $2 }') ))
printf '%s (%s, %s): build/boards/%s/onnx-run, %d bytes static (%d KiB); onnx-quant'"'"'s own code %d KiB\n' \
  "$board" "$BOARD_NAME" "$BOARD_CPU" "$board" "$binary" $((binary / 1024)) $((own / 1024)) | tee "$out/size.txt"
