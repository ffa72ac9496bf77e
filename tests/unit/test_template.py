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

from techfeed.local import aws, streams
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


# Heavy imports each function must not pay for at cold start: the API serves JSON from
# DynamoDB (no HTML parsing, no tokenizer); only keywords ships Kiwi (about 170 MB with numpy).
FORBIDDEN_IMPORTS = {
    "api": ("lxml", "readability", "kiwipiepy", "numpy"),
    "crawl": ("kiwipiepy", "numpy"),
}


@pytest.mark.parametrize(("function", "forbidden"), sorted(FORBIDDEN_IMPORTS.items()))
def test_heavy_packages_stay_out_of_the_functions_that_do_not_need_them(
    function: str, forbidden: tuple[str, ...]
) -> None:
    # A fresh interpreter: this one has loaded every function already.
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import importlib.util as u;"
        "spec = u.spec_from_file_location('app', sys.argv[1] + '/app.py');"
        "spec.loader.exec_module(u.module_from_spec(spec));"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[2:])))"
    )
    env = {
        **os.environ,
        "TECHFEED_CURSOR_SECRET": "template-test",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
    }
    result = subprocess.run(
        [sys.executable, "-c", check, str(ROOT / "functions" / function), *forbidden],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert not (ROOT / "functions" / function / "requirements.txt").exists()
    assert "kiwipiepy" not in (ROOT / "layers" / "techfeed" / "requirements.txt").read_text()


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_each_function_has_its_own_scoped_role_and_log_group(template: dict[str, Any]) -> None:
    roles = _resources(template, "AWS::IAM::Role")
    log_groups = _resources(template, "AWS::Logs::LogGroup")
    functions = _resources(template, "AWS::Serverless::Function")
    used_roles = set()
    for name, function in functions.items():
        props = function["Properties"]
        role = props["Role"]["GetAtt"].removesuffix(".Arn")
        used_roles.add(role)
        log_group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        # Lambda's own name for it, so the console and `sam logs` find it.
        assert log_group["LogGroupName"]["Sub"] == "/aws/lambda/" + props["FunctionName"]["Sub"]
        assert log_group["RetentionInDays"]
        statements = [
            st
            for policy in roles[role]["Properties"]["Policies"]
            for st in policy["PolicyDocument"]["Statement"]
        ]
        for statement in statements:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert statement["Effect"] == "Allow"
            assert not any("*" in action for action in actions), (name, actions)
            if statement["Resource"] == "*":
                # The one service without resource-level permissions.
                assert all(action.startswith("xray:") for action in actions), (name, actions)
        logs = [st for st in statements if st["Sid"] == "Logs"]
        assert logs == [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": {"GetAtt": props["LoggingConfig"]["LogGroup"]["Ref"] + ".Arn"},
            }
        ]
    assert len(used_roles) == len(functions)


def test_every_function_and_dead_letter_queue_has_an_alarm(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in _resources(template, "AWS::CloudWatch::Alarm").values()]
    watched = {
        (a.get("MetricName"), str(d["Value"])) for a in alarms for d in a.get("Dimensions", [])
    }
    for name in _resources(template, "AWS::Serverless::Function"):
        assert ("Errors", str({"Ref": name})) in watched, name
    queues = _resources(template, "AWS::SQS::Queue")
    dead_letter = {
        name for name, q in queues.items() if q["Properties"]["QueueName"]["Sub"].endswith("-dlq")
    }
    assert dead_letter == {
        name for name, q in queues.items() if "RedrivePolicy" not in q["Properties"]
    }
    for name in dead_letter:
        assert (
            "ApproximateNumberOfMessagesVisible",
            str({"GetAtt": f"{name}.QueueName"}),
        ) in watched, name
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_the_local_crawl_queue_is_the_templates_without_the_stage(
    template: dict[str, Any],
) -> None:
    queue = template["Resources"]["CrawlQueue"]["Properties"]
    assert queue["QueueName"]["Sub"].replace("${Stage}-", "") == aws.QUEUE_NAME
    dispatch = template["Resources"]["DispatchFunction"]["Properties"]
    assert dispatch["Environment"]["Variables"]["TECHFEED_QUEUE_URL"] == {"Ref": "CrawlQueue"}


def test_the_size_report_fails_a_function_over_the_limit(tmp_path: Path) -> None:
    built = {
        "Globals": {"Function": {"Layers": [{"Ref": "Layer"}]}},
        "Resources": {
            "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "L"}},
            "Small": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "S"}},
            "Big": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "B"}},
        },
    }
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(built))
    for directory, size in (("L/python", 600), ("S", 100), ("B", 500)):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "f").write_bytes(b"x" * size)
    script = str(ROOT / "bench" / "sizes.py")

    def report(limit: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, script, "--build-dir", str(tmp_path), "--limit-bytes", str(limit)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert report(1_100).returncode == 0
    over = report(1_099)
    assert over.returncode == 1
    assert over.stdout.splitlines()[-1].endswith(": Big")
