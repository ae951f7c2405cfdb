"""LibreTranslate, DeepL and OpenAI-compatible engines against local fake servers: request shape, auth, parsing."""

import json
import socket
import time

import pytest

from otklik.translate import TranslationError, get_translator

RU = ["Пусть Казахстан даст ему убежище", "Помогите ему, казахи", "Помогите ему, казахи"]


def test_http_engines_send_nothing_without_explicit_configuration():
    with pytest.raises(TranslationError, match="url="):
        get_translator("libretranslate")
    with pytest.raises(TranslationError, match="auth_key="):
        get_translator("deepl")
    with pytest.raises(TranslationError, match="url="):
        get_translator("openai", model="qwen")
    with pytest.raises(TranslationError, match="model="):
        get_translator("openai", url="http://127.0.0.1:1/v1")
    with pytest.raises(TranslationError, match="http"):
        get_translator("libretranslate", url="file:///etc/passwd")


def test_libretranslate_request_shape_batches_and_result(fake_server):
    srv = fake_server(lambda path, headers, body: (200, {"translatedText": [f"EN({q})" for q in body["q"]]}))
    tr = get_translator("libretranslate", url=srv.url + "/", api_key="secret", batch_size=1)
    out = tr.translate(RU + [""], "ru", "en")
    assert out == [f"EN({RU[0]})", f"EN({RU[1]})", f"EN({RU[1]})", ""]
    assert len(srv.requests) == 2  # the repeated text and the empty one are not sent
    req = srv.requests[0]
    assert req["path"] == "/translate"
    assert req["body"]["source"] == "ru" and req["body"]["target"] == "en" and req["body"]["format"] == "text"
    assert req["body"]["api_key"] == "secret" and isinstance(req["body"]["q"], list)
    assert req["headers"]["content-type"].startswith("application/json")
    assert tr.remote is False and tr.note("en") == f"Translated automatically with LibreTranslate ({srv.url[7:]}) (ru→en)."
    assert tr.note("ru").startswith("Переведено автоматически с помощью LibreTranslate")


def test_libretranslate_error_answer_is_reported(fake_server):
    srv = fake_server(lambda path, headers, body: (400, {"error": "ce is not supported"}))
    tr = get_translator("libretranslate", url=srv.url)
    with pytest.raises(TranslationError, match="HTTP 400.*ce is not supported"):
        tr.translate(["Салам"], "ce", "en")


def test_deepl_auth_header_languages_and_result(fake_server):
    def respond(path, headers, body):
        return 200, {"translations": [{"detected_source_language": "RU", "text": t.upper()} for t in body["text"]]}

    srv = fake_server(respond)
    tr = get_translator("deepl", auth_key="abc-123:fx", url=srv.url)
    assert tr.translate(RU[:2], "ru", "en") == [RU[0].upper(), RU[1].upper()]
    req = srv.requests[0]
    assert req["path"] == "/v2/translate"
    assert req["headers"]["authorization"] == "DeepL-Auth-Key abc-123:fx"
    assert req["body"] == {"text": RU[:2], "source_lang": "RU", "target_lang": "EN-US"}
    assert tr.note("en") == "Translated automatically with DeepL (ru→en)."
    # the endpoint follows the key when no url is given: free-plan keys end in ":fx"
    assert get_translator("deepl", auth_key="k:fx").url == "https://api-free.deepl.com"
    assert get_translator("deepl", auth_key="k").url == "https://api.deepl.com"
    assert get_translator("deepl", auth_key="k").remote is True


def test_deepl_wrong_key_names_status_but_not_the_key(fake_server):
    srv = fake_server(lambda path, headers, body: (403, {"message": "Wrong auth key"}))
    with pytest.raises(TranslationError, match="HTTP 403") as exc:
        get_translator("deepl", auth_key="very-secret", url=srv.url).translate(["да"], "ru", "en")
    assert "very-secret" not in str(exc.value)


def _chat_answer(content):
    return {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                          "content": content}}]}


def test_openai_compatible_json_mode(fake_server):
    def respond(path, headers, body):
        texts = json.loads(body["messages"][1]["content"])["texts"]
        return 200, _chat_answer("```json\n" + json.dumps({"translations": [f"T:{t}" for t in texts]}) + "\n```")

    srv = fake_server(respond)
    tr = get_translator("openai", url=srv.url + "/v1", model="qwen2.5-7b", api_key="sk-local")
    assert tr.translate(RU[:2], "ru", "en") == [f"T:{RU[0]}", f"T:{RU[1]}"]
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer sk-local"
    assert req["body"]["model"] == "qwen2.5-7b" and req["body"]["temperature"] == 0
    assert [m["role"] for m in req["body"]["messages"]] == ["system", "user"]
    assert "Russian" in req["body"]["messages"][0]["content"] and "English" in req["body"]["messages"][0]["content"]
    assert tr.note("en").startswith("Translated automatically with the language model qwen2.5-7b")


def test_openai_compatible_falls_back_to_plain_when_json_is_wrong(fake_server):
    def respond(path, headers, body):
        user = body["messages"][1]["content"]
        if user.startswith("{"):
            return 200, _chat_answer('["only one"]')  # wrong count: the batch is redone text by text
        return 200, _chat_answer(f"  plain:{user}  ")

    srv = fake_server(respond)
    tr = get_translator("openai", url=srv.url + "/v1/chat/completions", model="m")
    assert tr.translate(RU[:2], "ru", "en") == [f"plain:{RU[0]}", f"plain:{RU[1]}"]
    assert len(srv.requests) == 3 and tr.fallbacks == 1
    assert "authorization" not in srv.requests[0]["headers"]  # no key configured, none sent
    plain = get_translator("openai", url=srv.url + "/v1", model="m", output="plain")
    assert plain.translate(["раз"], "ru", "en") == ["plain:раз"]


def test_openai_compatible_malformed_answer(fake_server):
    srv = fake_server(lambda path, headers, body: (200, {"unexpected": True}))
    with pytest.raises(TranslationError, match="choices"):
        get_translator("openai", url=srv.url, model="m").translate(["да"], "ru", "en")
    srv2 = fake_server(lambda path, headers, body: (200, b"<html>not json</html>"))
    with pytest.raises(TranslationError, match="did not return JSON"):
        get_translator("libretranslate", url=srv2.url).translate(["да"], "ru", "en")


def test_timeout_and_unreachable_server(fake_server):
    def slow(path, headers, body):
        time.sleep(1.0)
        return 200, {"translatedText": ["late"]}

    srv = fake_server(slow)
    started = time.monotonic()
    with pytest.raises(TranslationError, match="did not answer within 0.2"):
        get_translator("libretranslate", url=srv.url, timeout=0.2).translate(["да"], "ru", "en")
    assert time.monotonic() - started < 1.0

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TranslationError, match="cannot reach LibreTranslate"):
        get_translator("libretranslate", url=f"http://127.0.0.1:{port}", timeout=2).translate(["да"], "ru", "en")
