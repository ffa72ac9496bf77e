"""template.yaml and the local stack share one table definition; handlers named there exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from techfeed.local import streams
from techfeed.local.invoke import HANDLERS, load_function
from techfeed.store.schema import TABLE_DEFINITION
from techfeed.tagging import NEW_ARTICLE_FILTER

ROOT = Path(__file__).resolve().parents[2]


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, ...) as plain values."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)
    return data


def test_template_table_matches_the_local_definition(template: dict[str, Any]) -> None:
    table = template["Resources"]["Table"]["Properties"]
    expected = {k: v for k, v in TABLE_DEFINITION.items() if k != "StreamSpecification"}
    for key, value in expected.items():
        assert table[key] == value, key
    # CloudFormation has no StreamEnabled: a view type alone turns the stream on.
    assert table["StreamSpecification"] == {
        "StreamViewType": TABLE_DEFINITION["StreamSpecification"]["StreamViewType"]
    }


def test_every_function_in_the_template_exists_and_imports(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API reads its config at import, as in Lambda; in AWS the secret comes from SSM.
    monkeypatch.setenv("TECHFEED_CURSOR_SECRET", "template-test")
    functions = {
        name: res["Properties"]
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }
    assert functions
    named = set()
    for props in functions.values():
        directory = Path(props["CodeUri"]).name
        module_name, attribute = props["Handler"].split(".")
        assert module_name == "app"
        assert callable(getattr(load_function(directory), attribute))
        named.add((directory, attribute))
    # `techfeed invoke` knows exactly the handlers the template deploys.
    assert named == set(HANDLERS.values())


def test_the_keywords_stream_filter_is_the_one_the_local_pump_applies(
    template: dict[str, Any],
) -> None:
    function = template["Resources"]["KeywordsFunction"]["Properties"]
    stream = function["Events"]["NewArticles"]["Properties"]
    [pattern] = [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
    assert pattern == NEW_ARTICLE_FILTER
    assert stream["Stream"] == {"GetAtt": "Table.StreamArn"}
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["BatchSize"] == streams.BATCH_SIZE
    assert stream["MaximumRetryAttempts"] == streams.MAXIMUM_RETRY_ATTEMPTS


@pytest.mark.parametrize("function", ["api", "crawl"])
def test_kiwi_stays_out_of_the_api_and_crawl_functions(function: str) -> None:
    # A fresh interpreter: this one has loaded the keywords function already.
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import importlib.util as u;"
        "spec = u.spec_from_file_location('app', sys.argv[1] + '/app.py');"
        "spec.loader.exec_module(u.module_from_spec(spec));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kiwipiepy', 'numpy')))"
    )
    env = {
        **os.environ,
        "TECHFEED_CURSOR_SECRET": "template-test",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
    }
    result = subprocess.run(
        [sys.executable, "-c", check, str(ROOT / "functions" / function)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert not (ROOT / "functions" / function / "requirements.txt").exists()
    assert "kiwipiepy" not in (ROOT / "layers" / "techfeed" / "requirements.txt").read_text()
