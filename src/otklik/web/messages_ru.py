"""The Russian message catalog of the web interface: English source string -> Russian.

Every string a template passes to `_()` has an entry (tests/web/test_i18n.py checks it);
stance and platform names too, so no store key ("not_about_case") is ever shown raw."""

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
    # cases
    "Cases": "Дела", "Case": "Дело", "Subject": "Герой дела", "Posts": "Публикации", "Languages": "Языки",
    "No cases yet.": "Дел пока нет.", "New case": "Новое дело", "Name (short, used in links)": "Имя (коротко, для ссылок)",
    "Subject (the person the reaction is about)": "Герой дела (о ком реакция)",
    "Aliases (comma-separated: surname, Latin spellings)": "Другие имена (через запятую: фамилия, латиницей)",
    "Time zone": "Часовой пояс", "Report languages": "Языки отчёта", "Create case": "Создать дело",
    # overview
    "Aliases": "Другие имена", "time zone": "часовой пояс", "languages": "языки", "Authors": "Авторы",
    "Upload exports": "Загрузить выгрузки", "Analysis running…": "Идёт анализ…", "Run analysis": "Запустить анализ",
    "comments export format": "формат выгрузки комментариев", "pseudonymise": "псевдонимизировать",
    "Export comments": "Выгрузить комментарии", "Upcoming deadlines": "Ближайшие сроки", "in {n} days": "через {n} дн.",
    "Not analysed yet": "Ещё не проанализировано", "run the analysis": "запустите анализ",
    "Reaction over time": "Реакция во времени", "deadline": "срок", "event": "событие", "Data table": "Таблица данных",
    "comments per hour by stance": "комментарии по часам и позициям", "comments per day by stance": "комментарии по дням и позициям",
    "Comments per {unit} by stance, with the case's events": "Комментарии за {unit} по позициям, с событиями дела",
    "hour": "час", "day": "день", "Period": "Период", "Total": "Всего", "no date": "без даты",
    "Stance toward": "Позиция по отношению к", "People": "Люди", "Share of people": "Доля людей",
    "Share of comments": "Доля комментариев", "People, without coordinated": "Люди, без скоординированных",
    "With the editor's checks, supportive people": "С учётом проверок редактора поддерживают",
    "95% interval": "95% интервал", "Stance per theme": "Позиции по темам", "stance per theme": "позиции по темам",
    "Stance per theme (comments)": "Позиции по темам (комментарии)",
    "Stances of the themes' comments as corrected by the editor's labels, where the analysis names the members.":
        "Позиции комментариев тем с поправками редактора, где анализ указывает состав темы.",
    "Coordination": "Координация", "{n} near-identical comments from {a} accounts": "{n} почти одинаковых комментариев с {a} аккаунтов",
    "show": "показать", "No coordinated bursts found (window {s} s).": "Скоординированных всплесков не найдено (окно {s} с).",
    "Sources and posts": "Источники и публикации", "Post": "Публикация", "Stored comments": "Сохранено комментариев",
    "Replies": "Ответы", "link": "ссылка", "Counts over the captures": "Счётчики по снимкам", "Series": "Ряд",
    "Observed at": "Когда снято", "Value": "Значение", "one capture so far, so no chart": "пока один снимок, график не строится",
    "not observed": "не наблюдалось", "Case file": "Досье дела", "Followers": "Подписчики", "Comment counts": "Число комментариев",
    "Followers over the captures": "Подписчики по снимкам", "Comment counts over the captures": "Число комментариев по снимкам",
    # comments table
    'words, "a phrase", prefix*': 'слова, "фраза", начало*', "order": "порядок", "by id (search)": "по номеру (поиск)",
    "by time": "по времени", "threads, replies under their comment": "ветками, ответы под своим комментарием",
    "Tick": "Отметить", "tick comment": "отметить комментарий", "reply in the thread": "ответ в ветке",
    "coordinated": "скоординирован", "not seen since": "не виден с", "editor label, applied on the next run":
        "метка редактора, применится при следующем анализе",
    # comment page
    "comments": "комментарии", "unknown": "неизвестно", "approximate": "приблизительно", "Edited": "Изменён",
    "yes: every version is kept as raw evidence": "да: каждая версия сохранена как исходное доказательство",
    "Not seen since": "Не виден с", "Store id": "Номер в хранилище", "quoted in reports as": "в отчётах цитируется как",
    "overrides the model from the next run": "заменяет оценку модели со следующего анализа", "Move to theme": "Перенести в тему",
    "other": "другое", "Move": "Перенести", "Pin as a quote": "Закрепить как цитату", "Never quote": "Никогда не цитировать",
    "Raw record SHA-256": "SHA-256 исходной записи", "Size": "Размер", "bytes": "байт", "Read from": "Прочитано из",
    "Import": "Импорт", "run": "запуск", "file": "файл", "Capture time": "Время снимка", "import": "импорт",
    "Other versions of this comment's raw record": "Другие версии исходной записи комментария", "seen": "замечена",
    "Raw record, exactly as stored": "Исходная запись, как сохранена", "Annotations and their provenance": "Разметка и её происхождение",
    "Stage": "Этап", "Backend": "Модель", "Version": "Версия", "Parameters": "Параметры", "Run": "Запуск",
    "input hash": "хеш входа",
    # report
    "Report draft": "Черновик отчёта", "saved draft {id} by {user} at {at}": "сохранённый черновик {id}, {user}, {at}",
    "generated from the current analysis": "составлен по текущему анализу",
    "Every «quote» followed by [#N] must stay a verbatim span of comment N, and every number must be a figure of the data. The check runs as you type.":
        "Каждая «цитата» с [#N] должна дословно совпадать с частью комментария N, а каждое число — с данными. Проверка идёт по мере ввода.",
    "Markdown": "Markdown", "Verify": "Проверить", "Save draft": "Сохранить черновик",
    "Discard edits (regenerate)": "Отменить правки (составить заново)", "Export": "Выгрузка",
    "Edited draft (.md, verified)": "Отредактированный черновик (.md, проверенный)",
    "Edited draft (.html)": "Отредактированный черновик (.html)",
    "Edited draft (.docx)": "Отредактированный черновик (.docx)",
    "Markdown, HTML and DOCX are composed from the current analysis and verified before they are written; the edited draft (in any of the three) is first brought up to the current analysis where you did not edit it, and exported only while it verifies.":
        "Markdown, HTML и DOCX составляются по текущему анализу и проверяются перед записью; отредактированный черновик (в любом из трёх) сначала обновляется по текущему анализу там, где вы его не правили, и выгружается, только пока проходит проверку.",
    "problem(s): these no longer match the data.": "проблем(ы): это больше не совпадает с данными.", "line": "строка",
    "Verified: every quote and number matches the data.": "Проверено: все цитаты и числа совпадают с данными.",
    "Preview": "Просмотр", "Draft check": "Проверка черновика",
    "The report as the HTML export writes it, composed from the current analysis; your edits to the draft are checked above, not shown here.":
        "Отчёт в том виде, в каком его пишет выгрузка HTML, по текущему анализу; правки черновика проверяются выше и здесь не показаны.",
    "the report could not be composed": "отчёт не удалось составить",
    # themes
    "Renames, merges, moves, pins and rejections are kept and replayed on every analysis run; they take effect on the next run.":
        "Переименования, объединения, переносы, закрепления и отказы сохраняются и повторяются при каждом анализе; они вступают в силу со следующего запуска.",
    'To split a theme, open a comment and move it to another theme (or to "other").':
        'Чтобы разделить тему, откройте комментарий и перенесите его в другую тему (или в «другое»).',
    "Tick two or more themes below, then": "Отметьте ниже две темы или больше, затем",
    "the merged theme keeps the name of": "объединённая тема получит название", "tick for merging": "отметить для объединения",
    "{p} people, {c} comments": "{p} чел., {c} комм.", "new name": "новое название",
    "{n} quote(s), keywords and names": "цитат: {n}, ключевые слова и имена", "keywords": "ключевые слова", "names": "имена",
    "key": "ключ", "Reject quote": "Отклонить цитату", "When": "Когда", "Who": "Кто", "Decision": "Решение", "Status": "Состояние",
    "pending: next run": "ожидает следующего анализа", "applied": "применено",
    "These figures are from {at}: the latest labels and imports are being counted; reload in a minute.":
        "Эти цифры на {at}: последние метки и импорт ещё учитываются; обновите страницу через минуту.",
    "admin": "администратор", "editor": "редактор", "viewer": "читатель",
    # review queue messages
    "comment {pid}: {word}. Supportive now {share}% of people ({low}–{high}%)":
        "комментарий {pid}: {word}. Поддерживают теперь {share}% людей ({low}–{high}%)",
    "skipped: this person's draw is left out of the estimate": "пропущено: этот человек не входит в оценку",
    "undone: the answer is removed and the question comes back": "отменено: ответ снят, вопрос вернулся",
    "nothing to undo: that comment has no label": "нечего отменять: у комментария нет метки",
}
