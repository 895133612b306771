#!/usr/bin/env bash
# Capture every command's figures from a checkout, to compare before/after the layout move.
# usage: scripts/capture-figures.sh REPO OUTDIR   (SIMULATE=path/to/simulate to pick one)
# Compare two captures with: diff -r BEFORE AFTER (only paths and timings should differ).
set -u
repo=$1; out=$2; mkdir -p "$out"; cd "$repo"
export PYTHONPATH=$repo MPLBACKEND=Agg
S=${SIMULATE:-simulate}
i=0
c() { i=$((i+1)); name=$(printf "%02d" $i); echo "$*" > "$out/$name.cmd"; "$S" "$@" > "$out/$name.out" 2> "$out/$name.err"; echo $? > "$out/$name.rc"; }
for f in scenarios/*.yaml; do
  c run "$f" --size 50000 --seed 3 --json
  c run "$f" --size 20000 --seed 5
  c validate --assumptions "$f"
  c assumptions "$f" --lang en
  c expected "$f" --json
done
c run scenarios/sinan-2021.yaml --population tests/fixtures/sinan-hand-count.csv --json
c run scenarios/langxi-2024.yaml --set contribution.personal=400 --size 30000 --json
c explain scenarios/sinan-2021.yaml --identity rural_dibao --identity registered_poor --json
c explain scenarios/sinan-2021.yaml --identity rural_dibao --identity registered_poor
c explain scenarios/daligang-2020.yaml --identity rural_dibao --identity only_child --age 10 --lang en
c compare scenarios/langxi-2024.yaml scenarios/langxi-2025-400.yaml --size 30000
c sweep-table scenarios/langxi-2024.yaml --param contribution.personal --range 380:420:20 --size 30000
c solve scenarios/langxi-2024.yaml --param tiers.dibao.subsidy.amount --source medical_assistance --budget 5500000 --lo 300 --hi 380
c montecarlo scenarios/langxi-2024.yaml --draws 5 --size 20000
c multiyear scenarios/langxi-2024.yaml --years 3 --out-migration 0.01 --ageing 0.02
c region scenarios/region-example.csv
c roster scenarios/sinan-2021.yaml tests/rosters/minzheng_dibao.csv tests/rosters/minzheng_tekun.xlsx tests/rosters/canlian.xlsx tests/rosters/fupin_jdlk.csv tests/rosters/tuiyi_youfu.xlsx tests/rosters/weijian_jisheng.csv --mapping tests/rosters/mapping.yaml --out "$out/bill" --json
c report scenarios/langxi-2024.yaml --set contribution.personal=400 --size 20000 --out "$out/report"
echo captured $i commands
