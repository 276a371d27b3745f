# Sourced by the ensure-*.sh scripts: installs a Debian package the tests need (CI runs as root), or says how to.
#   apt_install <package> <what it provides>
apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "$1 ($2) is missing: install it (apt-get install -y $1)" >&2
    exit 1
  fi
  echo "installing $1..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$1" >&2
}
