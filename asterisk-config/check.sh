#!/usr/bin/env bash
# check.sh [REPO_ROOT] - checks that asterisk-config/ still holds what callingd
# and docker-compose.yml rely on: the ARI user and HTTP session limit, the
# trunk endpoint the default dial string names, the Stasis entry, the RTP range
# docker-compose publishes, and the texts of exactly the prompts the flow plays.
# Reads files only (no Asterisk, espeak-ng or sox needed). Prints every
# problem and exits 1 if there is any.
set -euo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
dir=$root/asterisk-config
fails=0 checks=0

fail() { echo "asterisk-config check FAILED: $*" >&2; fails=$((fails + 1)); }
ok() { checks=$((checks + 1)); }
# expect DESCRIPTION COMMAND...: count a check, report it when COMMAND fails.
expect() {
  local what=$1
  shift
  if "$@"; then ok; else fail "$what"; fi
}

# flatten FILE: one "section|key|value" line per setting of an Asterisk .conf
# file, comments and blanks dropped, with the settings of templates copied
# into the sections made from them ([name](template) or [name](!,template)).
flatten() {
  awk '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    {
      line = $0
      sub(/;.*/, "", line)            # comments (this config has no \; in values)
      line = trim(line)
      if (line == "" || line ~ /^#/) next
      if (line ~ /^\[[^]]*\]/) {
        sec = substr(line, 2, index(line, "]") - 2)
        opts = substr(line, index(line, "]") + 1)
        gsub(/[()]/, "", opts)
        n = split(opts, tpl, ",")
        for (i = 1; i <= n; i++) {
          t = trim(tpl[i])
          if (t != "" && t != "!" && t in body) {
            m = split(body[t], kv, "\n")
            for (j = 1; j <= m; j++) if (kv[j] != "") { print sec "|" kv[j]; body[sec] = body[sec] kv[j] "\n" }
          }
        }
        next
      }
      eq = index(line, "=")
      if (eq == 0) next
      key = trim(substr(line, 1, eq - 1)); val = trim(substr(line, eq + 1))
      sub(/^>/, "", val)              # "=>" as in exten =>
      val = trim(val)
      print sec "|" key "|" val
      body[sec] = body[sec] key "|" val "\n"
    }' "$1"
}

# has FILE SECTION KEY VALUE_ERE: some section named SECTION sets KEY to a
# value matching VALUE_ERE (whole value).
# (grep without -q reads all its input: no SIGPIPE for flatten under pipefail)
has() { flatten "$1" | grep -E "^$2\|$3\|($4)\$" >/dev/null; }
# value FILE SECTION KEY: the last value of KEY in SECTION.
value() { flatten "$1" | awk -F'|' -v s="$2" -v k="$3" '$1 == s && $2 == k { v = $3 } END { print v }'; }
# section_of_type FILE NAME TYPE: a section NAME with type = TYPE (pjsip
# reuses a name across types). Settings are grouped by header occurrence.
section_of_type() {
  awk -v name="$2" -v type="$3" '
    { line = $0; sub(/;.*/, "", line) }
    line ~ /^[ \t]*\[/ { cur = line; sub(/^[ \t]*\[/, "", cur); sub(/\].*/, "", cur); next }
    cur == name && line ~ /^[ \t]*type[ \t]*=/ { v = line; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v); if (v == type) found = 1 }
    END { exit !found }' "$1"
}

for f in http.conf ari.conf pjsip.conf extensions.conf rtp.conf indications.conf prompts.txt .gitignore; do
  [ -f "$dir/$f" ] || { fail "asterisk-config/$f is missing"; }
done
if [ "$fails" -gt 0 ]; then exit 1; fi

# --- http.conf: ARI's HTTP server, with a deliberate session limit.
http=$dir/http.conf
expect "http.conf: want [general] enabled = yes" has "$http" general enabled yes
expect "http.conf: want [general] bindport = 8088 (CALLINGD_ARI_URL uses port 8088)" has "$http" general bindport 8088
limit=$(value "$http" general sessionlimit)
if [[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -gt 100 ]; then ok; else
  fail "http.conf: [general] sessionlimit must be set above the default of 100 (each callingd instance holds up to 33 ARI connections; 100 refused legs at 200 concurrent calls); found '${limit}'"
fi

# --- ari.conf: ARI on, user callingd, no wildcard CORS.
ari=$dir/ari.conf
expect "ari.conf: want [general] enabled = yes" has "$ari" general enabled yes
expect "ari.conf: want a [callingd] section with type = user (CALLINGD_ARI_USERNAME=callingd)" has "$ari" callingd type user
expect "ari.conf: want [general] allowed_origins set deliberately (and not to *)" has "$ari" general allowed_origins '[^*]*'
if grep -Eq '^[[:space:]]*#(try)?include[[:space:]]+"?ari_callingd_password\.conf' "$ari" || has "$ari" callingd password '.+'; then ok; else
  fail "ari.conf: [callingd] has no password (neither password = nor #include \"ari_callingd_password.conf\")"
fi

# --- pjsip.conf: transports and the trunk endpoint of the default dial string.
pjsip=$dir/pjsip.conf
expect "pjsip.conf: no UDP transport (protocol = udp)" has "$pjsip" '[^|]+' protocol udp
expect "pjsip.conf: no TCP transport (protocol = tcp)" has "$pjsip" '[^|]+' protocol tcp
expect "pjsip.conf: no [trunk] section (PJSIP/{number}@trunk dials endpoint trunk)" grep -Eq '^\[trunk\]' "$pjsip"
expect "pjsip.conf: want [trunk] type = endpoint (directly or from its template)" has "$pjsip" trunk type endpoint
expect "pjsip.conf: want direct_media = no on the trunk (callingd bridges and plays prompts)" has "$pjsip" trunk direct_media no
expect "pjsip.conf: want dtmf_mode rfc4733, info, auto or auto_info on the trunk" has "$pjsip" trunk dtmf_mode 'rfc4733|info|auto|auto_info'
expect "pjsip.conf: want the trunk to allow ulaw" has "$pjsip" trunk allow '.*ulaw.*'
expect "pjsip.conf: want the trunk to allow alaw" has "$pjsip" trunk allow '.*alaw.*'
expect "pjsip.conf: want aors = ... on the trunk endpoint" has "$pjsip" trunk aors '.+'
expect "pjsip.conf: no [trunk] type = aor (where the trunk's calls go)" section_of_type "$pjsip" trunk aor
if section_of_type "$pjsip" trunk identify || has "$pjsip" '[^|]+' type registration; then ok; else
  fail "pjsip.conf: the trunk has neither an identify (match by IP) nor a registration"
fi
context=$(value "$pjsip" trunk context)
# The far end is shown the organisation's identity in From and PAI, and no
# connected-line re-INVITE follows the bridge (asterisk-config/README.md).
expect "pjsip.conf: want send_pai = yes on the trunk (the organisation's number in P-Asserted-Identity)" has "$pjsip" trunk send_pai yes
expect "pjsip.conf: want send_connected_line = no on the trunk (no re-INVITE when legs are bridged)" has "$pjsip" trunk send_connected_line no

# --- indications.conf: a default tone zone with a ring tone, so ringback is
# never silence (zones by name are checked against queue.ToneZones in Go).
ind=$dir/indications.conf
zone=$(value "$ind" general country)
if [ -n "$zone" ] && has "$ind" "$zone" ring '.+'; then ok; else
  fail "indications.conf: [general] country names no zone with a ring tone ('$zone'): the leader would hear silence while supporters ring"
fi

# --- extensions.conf: the trunk's context and the Stasis entry.
ext=$dir/extensions.conf
if [ -n "$context" ] && grep -Eq "^\[$context\]" "$ext"; then ok; else
  fail "extensions.conf: no [${context:-from-trunk}] context, the trunk endpoint's context in pjsip.conf"
fi
expect "extensions.conf: no [from-trunk] context" grep -Eq '^\[from-trunk\]' "$ext"
expect "extensions.conf: no Stasis(callingd...) entry (CALLINGD_ARI_APPLICATION=callingd)" \
  grep -Eq '^[^;]*Stasis\(callingd[,)]' "$ext"

# --- rtp.conf against docker-compose.yml's published RTP range.
rtp=$dir/rtp.conf
start=$(value "$rtp" general rtpstart) end=$(value "$rtp" general rtpend)
if [[ $start =~ ^[0-9]+$ && $end =~ ^[0-9]+$ ]] && [ "$start" -lt "$end" ]; then ok; else
  fail "rtp.conf: [general] rtpstart/rtpend missing or not a range ('$start'-'$end')"
fi
compose=$root/docker-compose.yml
if [ -f "$compose" ]; then
  if grep -Eq "\"?$start-$end:$start-$end/udp\"?" "$compose"; then ok; else
    fail "docker-compose.yml does not publish the RTP range of rtp.conf ($start-$end:$start-$end/udp)"
  fi
  app=$(sed -n 's/^[[:space:]]*CALLINGD_ARI_APPLICATION:[[:space:]]*"\{0,1\}\([^" #]*\).*/\1/p' "$compose")
  if [ "$app" = callingd ]; then ok; else fail "docker-compose.yml: CALLINGD_ARI_APPLICATION is '$app', extensions.conf and ari.conf use callingd"; fi
  endpoint=$(sed -n 's/^[[:space:]]*CALLINGD_ARI_DIAL_STRING:[[:space:]]*"\{0,1\}PJSIP\/{number}@\([A-Za-z0-9_-]*\).*/\1/p' "$compose")
  if [ -z "$endpoint" ] || has "$pjsip" "$endpoint" type endpoint; then ok; else
    fail "docker-compose.yml: CALLINGD_ARI_DIAL_STRING dials endpoint '$endpoint', which pjsip.conf does not define"
  fi
fi

# --- prompts.txt: exactly the prompts the flow plays, each with its text.
want=(connecting press-to-start busy no-answer call-failed wrap-up cycle-complete lines-busy technical-problem)
prompts=$dir/prompts.txt
declare -A seen=()
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  [ -n "$line" ] || { fail "prompts.txt:$n: empty line"; continue; }
  name=${line%%|*} text=${line#*|}
  if [ "$name" = "$line" ] || [ -z "$name" ] || [ -z "$text" ]; then fail "prompts.txt:$n: want name|text, got: $line"; continue; fi
  [ -z "${seen[$name]+set}" ] || fail "prompts.txt:$n: $name listed twice"
  seen[$name]=1
done <"$prompts"
for name in "${want[@]}"; do
  [ -n "${seen[$name]+set}" ] && ok || fail "prompts.txt: no text for the prompt '$name'"
done
for name in "${!seen[@]}"; do
  case " ${want[*]} " in *" $name "*) ok ;; *) fail "prompts.txt: '$name' is not a prompt the flow plays (${want[*]})" ;; esac
done
# Every "sound:callingd/NAME" the Go code plays must have a text here.
if [ -d "$root/ivr" ]; then
  for name in $(grep -rhoE 'sound:callingd/[a-z0-9-]+' --include='*.go' "$root/ivr" | sed 's|sound:callingd/||' | sort -u); do
    [ -n "${seen[$name]+set}" ] && ok || fail "prompts.txt: ivr plays sound:callingd/$name, which has no text"
  done
fi
expect "asterisk-config/.gitignore: want sounds/ (generated) ignored" grep -Eq '^/?sounds/?$' "$dir/.gitignore"

if [ "$fails" -gt 0 ]; then
  echo "asterisk-config: $fails problem(s); see asterisk-config/README.md" >&2
  exit 1
fi
echo "asterisk-config: ok ($checks checks)"
