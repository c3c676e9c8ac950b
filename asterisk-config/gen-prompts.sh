#!/usr/bin/env bash
# gen-prompts.sh PROMPTS_TXT OUT_DIR [NAME...]
#
# Speaks each "name|text" line of PROMPTS_TXT with espeak-ng and writes, for
# Asterisk (which plays "sound:callingd/NAME" from sounds/<lang>/callingd/):
#   OUT_DIR/NAME.ulaw  8 kHz mono G.711 mu-law, raw (no header)
#   OUT_DIR/NAME.alaw  8 kHz mono G.711 A-law, raw (no transcoding on A-law trunks)
#   OUT_DIR/NAME.wav   8 kHz mono 16-bit PCM (to listen to; Asterisk plays it too)
# and checks them. With NAMEs, only those prompts; otherwise all of them.
# Environment: PROMPTS_VOICE (espeak-ng voice, default en-gb), PROMPTS_SPEED
# (words per minute, default 150).
#
# Normally run through `make prompts` (asterisk-config/prompts.mk), which
# installs espeak-ng and sox first. On an Asterisk host without the repo's
# Makefile: gen-prompts.sh prompts.txt /var/lib/asterisk/sounds/en/callingd
set -euo pipefail

die() { echo "gen-prompts: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: gen-prompts.sh PROMPTS_TXT OUT_DIR [NAME...]"
src=$1 out=$2
shift 2
voice=${PROMPTS_VOICE:-en-gb}
speed=${PROMPTS_SPEED:-150}

[ -r "$src" ] || die "$src: cannot read the prompt texts"
for tool in espeak-ng sox soxi; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install espeak-ng sox)"
done

declare -A text=()
order=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  [ -n "$line" ] || continue
  case $line in
    *'|'*) ;;
    *) die "$src:$lineno: not a name|text line: $line" ;;
  esac
  name=${line%%|*} words=${line#*|}
  [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "$src:$lineno: bad prompt name '$name' (a-z, 0-9, -)"
  [ -n "$words" ] || die "$src:$lineno: prompt '$name' has no text"
  [ -z "${text[$name]+set}" ] || die "$src:$lineno: prompt '$name' listed twice"
  text[$name]=$words
  order+=("$name")
done <"$src"

[ $# -gt 0 ] || set -- "${order[@]}"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for name in "$@"; do
  [ -n "${text[$name]+set}" ] || die "prompt '$name' is not in $src"
  # espeak-ng speaks at 22.05 kHz; resample to the telephone rate, leave a
  # little silence either side (the first syllable is not clipped while the
  # media path settles), normalise to -3 dBFS. -R: the same input always gives
  # the same bytes.
  printf '%s\n' "${text[$name]}" | espeak-ng -v "$voice" -s "$speed" --stdin -w "$tmp/raw.wav"
  sox -R "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$tmp/$name.wav" \
    highpass 100 rate -h 8000 pad 0.15 0.25 norm -3
  sox -R "$tmp/$name.wav" -t ul "$tmp/$name.ulaw"
  sox -R "$tmp/$name.wav" -t al "$tmp/$name.alaw"

  # Check before publishing: 8 kHz, 1 channel, 16-bit, at least half a second,
  # and raw files of one byte per sample of the .wav.
  rate=$(soxi -r "$tmp/$name.wav") chans=$(soxi -c "$tmp/$name.wav")
  bits=$(soxi -b "$tmp/$name.wav") samples=$(soxi -s "$tmp/$name.wav")
  [ "$rate" = 8000 ] && [ "$chans" = 1 ] && [ "$bits" = 16 ] ||
    die "$name.wav: $rate Hz, $chans channel(s), $bits bit; want 8000 Hz, 1 channel, 16 bit"
  [ "$samples" -ge 4000 ] || die "$name.wav: only $samples samples"
  for ext in ulaw alaw; do
    size=$(wc -c <"$tmp/$name.$ext")
    [ "$size" -eq "$samples" ] || die "$name.$ext: $size bytes, want $samples (one per 8 kHz sample)"
  done
  # Publish each file whole, so an interrupted run leaves no truncated prompt.
  for ext in wav ulaw alaw; do
    mv -f "$tmp/$name.$ext" "$out/$name.$ext"
  done
  awk -v n="$name" -v s="$samples" -v f="$out/$name.ulaw" 'BEGIN { printf "prompt %-18s %5.2f s  %s\n", n, s / 8000, f }'
done
