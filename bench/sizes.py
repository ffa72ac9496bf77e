"""Each function's unzipped size with its layers, from a `sam build`; fails above Lambda's limit.

    .venv/bin/python bench/sizes.py [--build-dir .aws-sam/build]

Lambda refuses a function whose code and layers together exceed 250 MB unzipped; this reads the
built template for each function's code directory and layers and adds up their files, so a
dependency that grows past the limit fails `make check-template` instead of a deployment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 262_144_000  # 250 MiB, Lambda's unzipped quota for code plus layers
MB = 1_000_000


def tree_bytes(directory: Path) -> int:
    """The bytes of every file under directory (symlinks not followed)."""
    return sum(p.lstat().st_size for p in directory.rglob("*") if p.is_file())


def package_sizes(build_dir: Path) -> dict[str, tuple[int, int]]:
    """Function logical id -> (its code's bytes, its layers' bytes) in a `sam build` output."""
    template: dict[str, Any] = yaml.safe_load((build_dir / "template.yaml").read_text())
    resources: dict[str, Any] = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    sizes = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        layers = props.get("Layers", global_layers)
        layer_dirs = [resources[layer["Ref"]]["Properties"]["ContentUri"] for layer in layers]
        sizes[name] = (
            tree_bytes(build_dir / props["CodeUri"]),
            sum(tree_bytes(build_dir / d) for d in layer_dirs),
        )
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Print one row per function; 1 if any exceeds --limit-bytes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--limit-bytes", type=int, default=LIMIT_BYTES)
    args = parser.parse_args(argv)
    sizes = package_sizes(args.build_dir)
    print(f"{'function':<20} {'code MB':>8} {'layers MB':>10} {'total MB':>9} {'of limit':>9}")
    over = []
    for name, (code, layers) in sorted(sizes.items()):
        total = code + layers
        print(
            f"{name:<20} {code / MB:>8.1f} {layers / MB:>10.1f} {total / MB:>9.1f}"
            f" {total / args.limit_bytes:>9.0%}"
        )
        if total > args.limit_bytes:
            over.append(name)
    if over:
        print(f"over Lambda's {args.limit_bytes:,} bytes unzipped: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
