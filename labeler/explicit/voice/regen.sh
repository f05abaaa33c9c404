#!/usr/bin/env bash
# Regenerates the embedded Mandarin voice prompt 人工智能生成 ("AI generated").
# espeak-ng misreads Hanzi (espeak-ng#1236), so the prompt is spoken from
# pinyin with the cmn-latn-pinyin voice at -s 120 (about 139 characters per
# minute, inside GB 45438 5.3's normal speaking rate of 120-160/min), then
# resampled by sox to 16 kHz mono 16-bit with leading and trailing silence
# trimmed. Run once and commit the result: the clip's bytes must not depend on
# the host's espeak-ng version at labeling time.
# Needs: espeak-ng, sox.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v cmn-latn-pinyin -s 120 -w "$tmp/raw.wav" "ren2gong1 zhi4neng2 sheng1cheng2"
sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$here/prompt_cmn_16k.wav" \
  silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse
soxi "$here/prompt_cmn_16k.wav"
# The module embeds the samples as prediction residuals (see voice.go).
(cd "$here" && go test -run TestResidualsAreTheWAV -update .)
