# Shared by the scripts (source it): installs what a script needs from Debian's packages when it
# is missing and the user is root, or says what to install.

# need_pkg COMMAND_OR_PATH PACKAGE... : the command (or executable path) must exist.
need_pkg() {
  local what=$1
  shift
  if [[ $what == /* ]] && [[ -x $what ]]; then return 0; fi
  if [[ $what != /* ]] && command -v "$what" >/dev/null; then return 0; fi
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing $* from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "$(basename "$0"): $what is required (apt-get install $*)" >&2
    exit 1
  fi
}
