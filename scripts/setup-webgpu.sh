#!/usr/bin/env bash
# Installs a CPU (software) WebGPU adapter for the `webgpu` npm package (Dawn) on Debian 12.
# Run as root. Idempotent: does nothing when the packages are already installed.
#
# Default recipe: SwiftShader Vulkan from Debian's `chromium` package + the Vulkan loader.
#   Dawn gets a *core* feature-level adapter (12 storage buffers per stage, 1 GiB bindings).
#   linagrad finds it by itself (it adds /usr/lib/chromium/vk_swiftshader_icd.json through
#   VK_ADD_DRIVER_FILES when no Vulkan driver variables are set). The same package gives a headless
#   Chromium with WebGPU for browser tests.
# Alternative (LINAGRAD_WEBGPU_BACKEND=opengles or --opengles): Mesa llvmpipe through OpenGL ES,
#   *compatibility* feature level only (128 MiB bindings). `--all` installs both.
#
# Usage: sudo scripts/setup-webgpu.sh [--vulkan | --opengles | --all]
set -euo pipefail

mode="${LINAGRAD_WEBGPU_BACKEND:-vulkan}"
case "${1:-}" in
  --vulkan) mode=vulkan ;;
  --opengles) mode=opengles ;;
  --all) mode=all ;;
  '') ;;
  *) echo "usage: $0 [--vulkan | --opengles | --all]" >&2; exit 2 ;;
esac

vulkan_pkgs=(chromium libvulkan1)
gles_pkgs=(libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)
case "$mode" in
  vulkan) pkgs=("${vulkan_pkgs[@]}") ;;
  opengles) pkgs=("${gles_pkgs[@]}") ;;
  all) pkgs=("${vulkan_pkgs[@]}" "${gles_pkgs[@]}") ;;
  *) echo "setup-webgpu: unknown backend '$mode' (expected vulkan, opengles or all)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != 'install ok installed' ]; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-webgpu: already installed (${pkgs[*]})"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-webgpu: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup-webgpu: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" != opengles ] && [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  echo "setup-webgpu: /usr/lib/chromium/vk_swiftshader_icd.json is missing after install" >&2
  exit 1
fi

# Dawn wants an existing private XDG_RUNTIME_DIR; linagrad creates one when it is unset.
cat <<EOF
setup-webgpu: done. Environment linagrad sets by itself when unset (shown for other tools):
  XDG_RUNTIME_DIR=<a private 0700 directory>
  VK_ADD_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json   (Vulkan / SwiftShader)
  EGL_PLATFORM=surfaceless                                         (OpenGL ES / llvmpipe)
EOF
