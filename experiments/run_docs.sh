#!/usr/bin/env bash
# Run the experiments named on the command line (default: those that finish in minutes on a
# 2-core CPU) and copy their figures and CSV into docs/experiments/, printing each one's time.
# Stores and HTML reports go to runs/ (not versioned); a second run trains nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
IB=${IB:-inductive-bias}
names=${*:-"digits model_classes architectures mlp_width_depth n_train intrinsic_dimension"}
mkdir -p runs docs/experiments
for name in $names; do
    mkdir -p "runs/$name"
    start=$(date +%s.%N)
    $IB experiment "experiments/$name.toml" --store "runs/$name.db" --report "runs/$name/$name.html" --json \
        > "runs/$name/$name.json"
    end=$(date +%s.%N)
    cp runs/"$name"/"$name"-*.png runs/"$name"/"$name".csv docs/experiments/
    printf '%s %.0f s\n' "$name" "$(echo "$end - $start" | bc)"
done
