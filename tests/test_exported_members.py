from __future__ import annotations

import assistant


def test_public_names() -> None:
    assert len(set(assistant.__all__)) == len(assistant.__all__)
    for name in assistant.__all__:
        assert hasattr(assistant, name), name
    expected = {"Assistant", "retrieve", "Answer", "Passage", "AssistantError"}
    assert expected <= set(assistant.__all__)


def test_every_error_derives_from_assistant_error() -> None:
    for name in ("CorpusError", "FetchError", "IndexMismatchError", "IndexNotFoundError",
                 "ModelError", "QuestionError"):  # fmt: skip
        assert issubclass(getattr(assistant, name), assistant.AssistantError)
    assert issubclass(assistant.QuestionError, ValueError)
