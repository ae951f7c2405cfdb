"""The interface's languages: English (the source strings) and Russian, from a message catalog.

`lang_of(request)` picks the language: the `otklik_lang` cookie set by the switch in the page
header, else the browser's Accept-Language, else English. Templates call `_("English text")`;
a string without a Russian entry stays English (so a partial catalog never breaks a page).
Stance and platform names are localised through the same catalog.
"""

from __future__ import annotations

LANGS = ("en", "ru")
COOKIE = "otklik_lang"

RU = {
    # header and navigation
    "Comments": "Комментарии", "Themes": "Темы", "Report": "Отчёт", "Review": "Проверка", "Upload": "Загрузка",
    "Users": "Пользователи", "Log out": "Выйти", "Log in": "Войти", "User name": "Имя пользователя",
    "Password": "Пароль", "Accounts are made with": "Учётные записи создаются командой",
    "wrong user name or password": "неверное имя пользователя или пароль",
    # stances and platforms
    "supportive": "поддерживает", "neutral": "нейтрально", "hostile": "враждебно",
    "not about the case": "не о деле", "not_about_case": "не о деле",
    "instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube", "vk": "ВКонтакте",
    # review queue
    "Check the machine": "Проверка машины", "Current estimate (95% interval)": "Текущая оценка (95% интервал)",
    "Stance": "Позиция", "By people": "По людям", "By comments": "По комментариям",
    "queue draw(s) completed": "выборок очереди завершено", "comment(s) checked by an editor": "комментариев проверено редактором",
    "The machine's unchecked estimate: the interval comes from the model's documented error":
        "Непроверенная оценка машины: интервал взят из документированной ошибки модели",
    "Undo the last answer (u)": "Отменить последний ответ (u)",
    "Whose side does this comment take?": "На чьей стороне этот комментарий?",
    "In reply to": "В ответ", "post": "пост", "comment": "комментарий", "Machine": "Машина", "confidence": "уверенность",
    "skip": "пропустить",
    "Keys: 1 supportive, 2 neutral, 3 hostile, 0 not about the case, s skip":
        "Клавиши: 1 поддерживает, 2 нейтрально, 3 враждебно, 0 не о деле, s пропустить",
    ", u undo": ", u отменить",
    "Every comment of the case is labelled: the shares are exact.": "Все комментарии дела размечены: доли точные.",
    # comments
    "Search": "Поиск", "Theme": "Тема", "Language": "Язык", "Author": "Автор", "From": "С", "To": "По",
    "any": "любая", "coordinated only": "только скоординированные", "Filter": "Фильтр", "clear": "сбросить",
    "comment(s) match": "комментариев найдено", "Time": "Время", "Comment": "Комментарий", "Lang": "Язык",
    "Set the stance of the ticked comments to": "Позиция отмеченных комментариев:",
    "Relabel ticked": "Переразметить отмеченные", "previous": "назад", "next": "дальше",
    # comment page
    "Verdict": "Вердикт", "Stance (machine)": "Позиция (машина)", "Stance (editor)": "Позиция (редактор)",
    "not checked": "не проверено", "Coordinated": "Скоординировано", "yes": "да", "no": "нет",
    "Editor decisions": "Решения редактора", "Set stance": "Задать позицию", "Remove the label": "Снять метку",
    "Thread": "Ветка", "Evidence": "Доказательства", "not analysed yet": "ещё не проанализировано",
    "Published": "Опубликован", "Likes": "Лайки",
    # themes
    "Merge ticked themes": "Объединить отмеченные темы", "Rename": "Переименовать", "Open all": "Раскрыть все",
    "Close all": "Свернуть все", "Decisions": "Решения", "None yet.": "Пока нет.",
}
# English names for the store's own keys (a key is never shown raw)
EN = {"not_about_case": "not about the case"}
CATALOGS = {"en": EN, "ru": RU}


def lang_of(request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGS:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "en"


def translator(lang: str):
    table = CATALOGS.get(lang, {})
    return lambda s: table.get(s, s)


def event_text(e: dict, lang: str) -> dict:
    """A case-file event with "text" in the interface language (the other language when missing)."""
    first, second = ("text_ru", "text_en") if lang == "ru" else ("text_en", "text_ru")
    return {**e, "text": e.get(first) or e.get(second) or ""}
