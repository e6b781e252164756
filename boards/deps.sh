#!/usr/bin/env bash
# Installs, when missing, what building and testing a board binary needs: the board's GNU cross
# toolchain, its libc headers, its libprotobuf-c.a (Debian multiarch) and qemu-user.
# usage: boards/deps.sh BOARD
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
source "$root/boards/$1.conf"
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
packages=(qemu-user)
case "$BOARD_LINUX_TRIPLE" in
  aarch64-linux-gnu) arch=arm64; packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross "libprotobuf-c-dev:arm64") ;;
  x86_64-linux-gnu) arch=amd64; packages+=(gcc libprotobuf-c-dev) ;;
  *) echo "boards/deps.sh: no recipe for $BOARD_LINUX_TRIPLE"; exit 1 ;;
esac
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}\n' "$package" 2>/dev/null | grep -qx installed || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  $sudo dpkg --add-architecture "$arch"
fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
