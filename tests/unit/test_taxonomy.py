"""The curated taxonomy: the packaged file and its validation (techfeed.taxonomy)."""

from __future__ import annotations

import re

import pytest

from techfeed.taxonomy import TaxonomyError, load_taxonomy

# --- taxonomy validation


def test_packaged_taxonomy_is_large_and_valid():
    taxonomy = load_taxonomy()
    assert len(taxonomy.terms) >= 300
    assert taxonomy.canonical("k8s") == "Kubernetes"
    assert taxonomy.canonical("FDS") == "이상거래탐지"
    assert taxonomy.canonical("거대 언어 모델") == "LLM"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "terms:\n  - [Kafka, 카프카]\n  - [Kafka Streams, 카프카]\n",
            "'카프카' already belongs to 'Kafka'",
        ),
        ("terms:\n  - ['', alias]\n", "empty name"),
        ("terms:\n  - {name: Go, aliases: [Golang, 7]}\n", "'Go': aliases must be non-empty"),
        ("terms:\n  - {name: Go, alias: [Golang]}\n", "expected a list or a mapping"),
        ("- [Kafka]\n", "expected a mapping with a 'terms' list"),
        (
            "terms:\n  - [JSON]\ngeneral: [JSON, XML]\n",
            "'general' names no taxonomy entry: ['XML']",
        ),
        ("terms:\n  - [JSON]\ngeneral: JSON\n", "'general' must be a list of canonical names"),
        (
            "terms:\n  - [Kubernetes]\n  - [Helm]\nthemes:\n  Kubernetes: [Helm, Karpenter]\n",
            "theme 'Kubernetes' names no taxonomy entry: ['Karpenter']",
        ),
        (
            "terms:\n  - [Kubernetes]\nthemes:\n  Kubernetes: Helm\n",
            "'themes' must map a canonical name to a list of them",
        ),
    ],
)
def test_taxonomy_validation_names_the_bad_entry(tmp_path, yaml_text, message):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        load_taxonomy(path)


def test_looking_names_up_does_not_compile_the_matcher():
    """The API only maps a spelling to its term: the pattern of every alias, which costs more
    than reading the file, is compiled by the first `find`, and then kept."""
    taxonomy = load_taxonomy()
    assert taxonomy.canonical("쿠버네티스") == "Kubernetes"
    assert taxonomy._patterns is None
    assert taxonomy.find("쿠버네티스와 k8s") == [(0, 5, "Kubernetes"), (7, 10, "Kubernetes")]
    compiled = taxonomy._patterns
    assert compiled is not None
    taxonomy.find("Kafka")
    assert taxonomy._patterns is compiled
