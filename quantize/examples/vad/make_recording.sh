#!/usr/bin/env bash
# Builds the voice-activity example recording: 16 kHz mono signed 16-bit little-endian PCM.
#
#   silence 1.0 s | speech (espeak-ng, ~2.6 s) | silence 1.5 s | pink noise 1.5 s |
#   speech (espeak-ng, ~2.1 s) | silence ~1.0 s (padded so the total is a whole number of 512-sample windows)
#
# Writes, next to this script:
#   recording.s16le         raw PCM, what `onnx-quant stream --format s16le --rate 16000` reads (committed)
#   recording.s16le.sha256  its SHA-256 in sha256sum format (committed; a changed hash after regenerating
#                           means espeak-ng or sox produced different audio, so the VAD numbers may move)
#   segments.csv            each segment's kind and exact sample span [start_sample, end_sample) (committed)
#   recording.wav           the same audio as a WAV file, for listening (not committed; see .gitignore)
#
# Deterministic: espeak-ng output is fixed for a given espeak-ng version and voice, the noise comes from
# sox's repeatable mode (-R, fixed seed) and dithering is off (-D). Idempotent: running it again rewrites
# the same files.
#
# Usage: make_recording.sh           regenerate the files
#        make_recording.sh --check   regenerate into a scratch folder and compare with the committed
#                                    SHA-256 only (exit 1 on drift); changes nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check_only=0
if [[ "${1:-}" == "--check" ]]; then check_only=1; elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2; exit 2
fi

RATE=16000
WINDOW=512
VOICE=en-us
SENTENCE_1="Turn on the light in the living room when the evening comes."
SENTENCE_2="Remember to water the garden every evening."
NOISE_KIND=pinknoise   # sox synth noise type
NOISE_VOL=0.2          # linear amplitude scale of the synthesised noise (about -27 dBFS RMS for pink noise)
SPEECH_PEAK_DB=-3      # each speech clip is normalised to this peak level (dBFS)

if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v sox >/dev/null 2>&1; then
  echo "installing espeak-ng and sox" >&2
  if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq espeak-ng sox >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# All intermediate files: 16 kHz, mono, signed 16-bit WAV.
FMT=(-r "$RATE" -c 1 -b 16 -e signed-integer)

silence() {  # silence NAME SAMPLES
  sox -R -D -r "$RATE" -c 1 -n "${FMT[@]}" "$work/$1.wav" trim 0 "${2}s"
}

speech() {  # speech NAME TEXT: synthesise, resample to 16 kHz, trim leading and trailing silence, normalise
  espeak-ng -v "$VOICE" -w "$work/$1.raw.wav" "$2"
  sox -R -D "$work/$1.raw.wav" "${FMT[@]}" "$work/$1.wav" \
    silence 1 0.005 0.1% reverse silence 1 0.005 0.1% reverse \
    norm "$SPEECH_PEAK_DB"
}

noise() {  # noise NAME SAMPLES
  sox -R -D -r "$RATE" -c 1 -n "${FMT[@]}" "$work/$1.wav" synth "${2}s" "$NOISE_KIND" vol "$NOISE_VOL"
}

samples() { soxi -s "$work/$1.wav"; }

silence silence_1 16000
speech speech_1 "$SENTENCE_1"
silence silence_2 24000
noise noise_1 24000
speech speech_2 "$SENTENCE_2"

# The last silence is at least 1 s and pads the recording to a whole number of windows.
partial=0
for name in silence_1 speech_1 silence_2 noise_1 speech_2; do partial=$((partial + $(samples "$name"))); done
tail_samples=$((16000 + (WINDOW - (partial + 16000) % WINDOW) % WINDOW))
silence silence_3 "$tail_samples"

order=(silence_1 speech_1 silence_2 noise_1 speech_2 silence_3)
{
  echo "segment,kind,start_sample,end_sample,seconds,text"
  start=0
  for name in "${order[@]}"; do
    n=$(samples "$name")
    kind=${name%_*}
    text=""
    [[ $name == speech_1 ]] && text="$SENTENCE_1"
    [[ $name == speech_2 ]] && text="$SENTENCE_2"
    printf '%s,%s,%d,%d,%.4f,"%s"\n' "$name" "$kind" "$start" "$((start + n))" "$(echo "$n / $RATE" | bc -l)" "$text"
    start=$((start + n))
  done
} > "$work/segments.csv"

files=()
for name in "${order[@]}"; do files+=("$work/$name.wav"); done
sox -R -D "${files[@]}" "${FMT[@]}" "$work/recording.wav"
sox -R -D "$work/recording.wav" -t raw "${FMT[@]}" -L "$work/recording.s16le"

new_hash=$(sha256sum "$work/recording.s16le" | cut -d' ' -f1)
old_hash=""
[[ -f "$here/recording.s16le.sha256" ]] && old_hash=$(cut -d' ' -f1 "$here/recording.s16le.sha256")
total=$(( $(stat -c %s "$work/recording.s16le") / 2 ))

if [[ $check_only -eq 1 ]]; then
  if [[ "$new_hash" == "$old_hash" ]]; then
    echo "recording.s16le regenerates identically (sha256 $new_hash)"; exit 0
  fi
  echo "recording.s16le DRIFT: committed sha256 ${old_hash:-none}, regenerated $new_hash" >&2
  echo "(espeak-ng $(espeak-ng --version | awk '{print $4}'), $(sox --version | awk '{print $2, $3}'))" >&2
  exit 1
fi

cp "$work/recording.s16le" "$work/recording.wav" "$work/segments.csv" "$here/"
echo "$new_hash  recording.s16le" > "$here/recording.s16le.sha256"

echo "wrote $here/recording.s16le: $total samples, $(echo "scale=3; $total / $RATE" | bc) s, $((total / WINDOW)) windows of $WINDOW"
column -s, -t < "$here/segments.csv" | sed 's/^/  /'
if [[ -z "$old_hash" ]]; then
  echo "sha256 $new_hash (new)"
elif [[ "$new_hash" == "$old_hash" ]]; then
  echo "sha256 $new_hash (unchanged)"
else
  echo "sha256 CHANGED: was $old_hash, now $new_hash (this script, espeak-ng or sox changed; rerun scripts/vad_check.py --runner ort and commit all the outputs together)" >&2
fi
