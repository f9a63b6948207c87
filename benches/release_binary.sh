# Sourced by the benchmark scripts: builds the release binary and sets
#   target_dir  cargo's target directory
#   binary      the release emailoutlier in it
# Runs from the repository root (it cds there).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
cargo build --release --quiet
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
binary="$target_dir/release/emailoutlier"
