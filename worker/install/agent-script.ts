/** Where the agent bundle sits in the R2 bucket; `npm start` and `npm run publish:agent` put it there. */
export const AGENT_BUNDLE_KEY = 'install/sitewire-agent.mjs'

/**
 * The POSIX sh script behind `curl -fsSL <platform>/install/agent.sh | sh -s -- --token <token>`:
 * downloads the agent bundle from this platform, checks its SHA-256, installs it under a
 * prefix, enrols, and under systemd (as root) writes and starts the hardened unit.
 */
export const agentInstallScript = (platform: string, sha256: string) => `#!/bin/sh
# Installs the Sitewire agent from ${platform} and enrols it.
set -eu

usage() {
  cat <<'USAGE'
Usage: curl -fsSL ${platform}/install/agent.sh | sh -s -- --token TOKEN [options]
  --token TOKEN      the enrolment token (required)
  --prefix DIR       install DIR/bin/sitewire-agent (default: /usr/local as root, else ~/.local)
  --state-dir DIR    the agent's key, identity and spool (default: the agent's own)
  --label KEY=VALUE  a label of this machine; repeat for more
  --no-service       do not write or start the systemd unit
USAGE
}

PLATFORM='${platform}'
SHA256='${sha256}'
TOKEN=''
PREFIX=''
STATE_DIR=''
LABELS=''
SERVICE=yes

say() { printf 'sitewire-agent install: %s\\n' "$*" >&2; }
die() { say "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --token) [ $# -ge 2 ] || die "--token needs a value"; TOKEN=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a value"; PREFIX=$2; shift 2 ;;
    --state-dir) [ $# -ge 2 ] || die "--state-dir needs a value"; STATE_DIR=$2; shift 2 ;;
    --label) [ $# -ge 2 ] || die "--label needs a value"; LABELS="$LABELS --label $2"; shift 2 ;;
    --no-service) SERVICE=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
[ -n "$TOKEN" ] || die "give the enrolment token: sh -s -- --token <token>"

command -v node >/dev/null 2>&1 || die "Node.js 20.19 or later is needed, and node is not on PATH"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \\
  || die "Node.js 20.19 or later is needed; this is $(node --version)"

if [ "$(id -u)" = 0 ]; then ROOT=yes; else ROOT=no; fi
if [ -z "$PREFIX" ]; then
  if [ "$ROOT" = yes ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
# The unit runs the agent as its own user under systemd; anywhere else there is nothing to start.
if [ "$SERVICE" = yes ] && { [ "$ROOT" = no ] || [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null 2>&1; }; then
  SERVICE=no
  NO_SYSTEMD=yes
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$TMP/sitewire-agent" "$PLATFORM/install/sitewire-agent.mjs" || die "downloading the agent failed"
elif command -v wget >/dev/null 2>&1; then
  wget -qO "$TMP/sitewire-agent" "$PLATFORM/install/sitewire-agent.mjs" || die "downloading the agent failed"
else
  die "curl or wget is needed to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  ACTUAL=$(sha256sum "$TMP/sitewire-agent" | cut -d' ' -f1)
else
  ACTUAL=$(shasum -a 256 "$TMP/sitewire-agent" | cut -d' ' -f1)
fi
[ "$ACTUAL" = "$SHA256" ] || die "checksum mismatch: expected $SHA256, downloaded $ACTUAL; nothing installed"

mkdir -p "$PREFIX/bin"
install -m 0755 "$TMP/sitewire-agent" "$PREFIX/bin/sitewire-agent"
AGENT="$PREFIX/bin/sitewire-agent"
say "installed $AGENT (SHA-256 $SHA256)"

if [ "$SERVICE" = yes ]; then
  [ -n "$STATE_DIR" ] || STATE_DIR=/var/lib/sitewire-agent
  id sitewire-agent >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sitewire-agent
  install -d -o sitewire-agent -g sitewire-agent -m 0700 "$STATE_DIR"
  # shellcheck disable=SC2086
  runuser -u sitewire-agent -- "$AGENT" enrol "$TOKEN" --state-dir "$STATE_DIR" $LABELS
  cat > /etc/systemd/system/sitewire-agent.service <<UNIT
[Unit]
Description=Sitewire agent
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User=sitewire-agent
Group=sitewire-agent
Environment=SITEWIRE_AGENT_STATE_DIR=$STATE_DIR
ExecStart=$AGENT run
Restart=always
RestartSec=5
# Exit code 3: the platform rejected or revoked this agent. Retrying would not help.
RestartPreventExitStatus=3
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=$STATE_DIR

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now sitewire-agent
  say "enrolled; the sitewire-agent service is running (systemctl status sitewire-agent)"
else
  set -- enrol "$TOKEN"
  [ -z "$STATE_DIR" ] || set -- "$@" --state-dir "$STATE_DIR"
  # shellcheck disable=SC2086
  "$AGENT" "$@" $LABELS
  RUN="$AGENT run"
  [ -z "$STATE_DIR" ] || RUN="$RUN --state-dir $STATE_DIR"
  if [ "\${NO_SYSTEMD:-}" = yes ]; then say "enrolled; no systemd here (or not root): start it with $RUN"
  else say "enrolled; start it with $RUN"; fi
fi
`
