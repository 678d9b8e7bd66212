"""Concept and synonym tables of the normaliser: regional speech, English loanwords, and the
many words for one idea, folded into one canonical unaccented form.

Plain dictionaries and token loops (no regular expressions), applied by
:func:`chatbot.nlu.text.normalize`:

1. :data:`ACCENTED_WORDS`, on lower-case accented words, before the marks are removed: the
   Southern and Central words whose unaccented form is also a standard word ("hông" is
   "không", but "hỏng" is "broken"; "mô" is "đâu", but "mồ" is a grave).
2. :data:`PHRASES`, on unaccented tokens after teencode expansion: sequences of up to
   :data:`MAX_PHRASE` tokens, longest first, replaced by one canonical phrase.
3. :func:`item_topics`: a dispatch item ("mục 1.4.c") keeps its numbers and gains the words
   of its topic, so "mục 1.4.c nói gì" and "quy định về tương tác" share words.
"""

from __future__ import annotations

# Southern (Nam Bộ) and Central (Trung Bộ) words, keyed by their accented spelling.
ACCENTED_WORDS: dict[str, str] = {
    # Southern
    "hông": "không", "hổng": "không",
    "dô": "vào", "dzô": "vào", "vô": "vào", "zô": "vào",
    "dzậy": "vậy", "zậy": "vậy", "vầy": "vậy", "dầy": "vậy",
    "giùm": "giúp", "dùm": "giúp", "mần": "làm", "biểu": "bảo", "hổm": "hôm",
    "ừa": "ừ", "ờ": "ừ", "hen": "nhé", "nghen": "nhé", "nha": "nhé", "nhen": "nhé",
    "nè": "này", "tụi": "chúng", "bả": "bà ấy", "ổng": "ông ấy",
    "má": "mẹ", "tía": "bố",
    # Central
    "răng": "thế nào", "rứa": "vậy", "chi": "gì", "mô": "đâu", "ni": "này", "nì": "này",
    "tê": "kia", "hỉ": "nhé", "hè": "nhé", "chừ": "giờ", "mạ": "mẹ",
    "eng": "anh", "ả": "chị ấy", "bọ": "bố",
    # "đừng" (don't) would lose its marks to "dung", the spelling of "đúng" (right): a
    # confirm and its cancel would then share their key word. It is a negation.
    "đừng": "không",
    # The verbs that stop or start something ("tắt / dừng ZNS", "bật lại thông báo"): one
    # word each, so a question meets its verb in other phrasings. By the accented spelling,
    # since unaccented they collide with other words (dung: dừng / dùng / đúng, tat: tắt /
    # tất, bat: bật / bắt / bát).
    "tắt": "ngừng", "dừng": "ngừng", "ngưng": "ngừng", "bật": "mở",
}

# English loanwords and synonyms, on unaccented tokens after teencode expansion. A value of
# "" drops the phrase (fillers).
PHRASES: dict[tuple[str, ...], str] = {
    # loanwords
    ("join",): "vao", ("joint",): "vao", ("acc",): "tai khoan", ("ac",): "tai khoan",
    ("account",): "tai khoan", ("acount",): "tai khoan", ("login",): "dang nhap",
    ("log", "in"): "dang nhap", ("signin",): "dang nhap", ("code",): "ma",
    ("share",): "chia se", ("call",): "goi dien", ("sale",): "ban", ("check",): "kiem tra",
    ("teacher",): "giao vien", ("schedule",): "lich hoc", ("notice",): "thong bao",
    ("nickname",): "biet danh", ("nick",): "biet danh", ("remove",): "huylienket",
    ("app",): "phan mem", ("apps",): "phan mem", ("ung", "dung"): "phan mem",
    ("troll",): "quay pha", ("send",): "gui", ("cancel",): "huy", ("show",): "xem",
    ("bat", "cam"): "bat camera", ("mo", "cam"): "mo camera", ("tat", "cam"): "tat camera",
    ("on", "cam"): "bat camera", ("cam", "on"): "cam on",
    ("mic",): "micro", ("webcam",): "camera",
    ("cal",): "goi dien", ("meeting",): "phong hoc",
    ("room",): "phong hoc", ("class",): "lop",
    ("student",): "hoc sinh", ("parent",): "phu huynh", ("parents",): "phu huynh",
    ("help",): "tro giup", ("info",): "thong tin",
    # the same idea in several words
    ("truc", "tuyen"): "online", ("qua", "mang"): "online", ("tren", "mang"): "online",
    ("mao", "danh"): "mao danh", ("gia", "danh"): "mao danh", ("gia", "mao"): "mao danh",
    ("tu", "xung"): "mao danh", ("nhan", "danh"): "mao danh", ("xung", "la"): "mao danh",
    ("thay", "co"): "giao vien", ("thay", "giao"): "giao vien", ("co", "giao"): "giao vien",
    ("co", "chu", "nhiem"): "giao vien chu nhiem", ("thay", "chu", "nhiem"): "giao vien chu nhiem",
    ("cha", "me"): "phu huynh", ("bo", "me"): "phu huynh", ("ba", "me"): "phu huynh",
    ("bo", "hoac", "me"): "phu huynh", ("ba", "ma"): "phu huynh",
    ("ke", "la"): "nguoi la", ("nguoi", "ngoai"): "nguoi la", ("ke", "xau"): "nguoi la",
    ("dua", "la"): "nguoi la", ("nguoi", "la", "mat"): "nguoi la", ("ai", "do", "la"): "nguoi la",
    ("huy", "lien", "ket"): "huylienket", ("bo", "lien", "ket"): "huylienket",
    ("go", "lien", "ket"): "huylienket", ("ngat", "lien", "ket"): "huylienket",
    ("xoa", "lien", "ket"): "huylienket", ("huy", "ket", "noi"): "huylienket",
    ("ngat", "ket", "noi"): "huylienket", ("bo", "ket", "noi"): "huylienket",
    ("go", "bo"): "huylienket",
    ("bua", "nay"): "hom nay", ("bua", "ni"): "hom nay", ("bua", "qua"): "hom qua",
    ("bay", "gio"): "gio", ("thang", "nho"): "con", ("con", "nho"): "con", ("be", "nha"): "con",
    ("chau",): "con", ("bon", "tre"): "con",
    ("nhu", "the", "nao"): "nhu the nao", ("the", "nao"): "nhu the nao",
    ("ra", "sao"): "nhu the nao", ("kieu", "gi"): "nhu the nao", ("cach", "nao"): "nhu the nao",
    # short replies: one word for yes, no, hello and goodbye
    ("yes",): "vang", ("yep",): "vang", ("chuan", "roi"): "dung roi", ("chinh", "xac"): "dung roi",
    ("chac", "chan", "roi"): "dung roi", ("no",): "khong", ("nope",): "khong",
    ("thoi", "khoi"): "khong can", ("khoi",): "khong can", ("bo", "qua"): "khong can",
    ("alo",): "chao", ("hey",): "chao", ("he", "lo"): "chao", ("good", "morning"): "chao",
    ("start",): "bat dau", ("goodbye",): "tam biet", ("bai", "bai"): "tam biet",
    ("pp",): "tam biet", ("good", "night"): "chuc ngu ngon", ("menu",): "tro giup",
    # unaccented "dung" before a verb of the flows is "đừng", not "đúng"
    ("dung", "gui"): "khong gui", ("dung", "nhan"): "khong nhan", ("dung", "bao"): "khong bao",
    ("dung", "phat"): "khong phat", ("dung", "lam"): "khong lam",
    ("duong", "link"): "link", ("duong", "dan"): "link",
    ("google", "meet"): "zoom", ("meet",): "zoom", ("microsoft", "teams"): "zoom",
    ("teams",): "zoom",
}
MAX_PHRASE = max(len(key) for key in PHRASES)

# Dispatch items: (section, item) and (section, item, letter) to the words of their topic.
ITEM_TOPICS: dict[tuple[str, ...], str] = {
    ("1", "1"): "luat an ninh mang",
    ("1", "2"): "nha truong ban giam hieu",
    ("1", "3"): "giao vien trach nhiem",
    ("1", "4"): "hoc sinh noi quy",
    ("1", "5"): "gia dinh phu huynh",
    ("1", "4", "a"): "doc tai lieu",
    ("1", "4", "b"): "chuan bi dang nhap truoc ten hien thi",
    ("1", "4", "c"): "tuong tac phat bieu camera",
    ("1", "4", "d"): "noi chuyen rieng viec rieng",
    ("1", "4", "dj"): "trang phuc khong gian gio giac",
    ("1", "3", "dj"): "mat khau phong hoc",
    ("1", "3", "e"): "theo doi tong hop",
    ("2",): "nguoi la mat an toan",
    ("3",): "mao danh ban tai lieu",
}
ITEM_WORDS = {"muc", "khoan", "diem", "phan", "dieu"}
ITEM_LETTERS = {"a", "b", "c", "d", "dj", "e"}


def regional_words(text: str) -> str:
    """Replace the Southern and Central words of lower-case accented ``text``."""
    words = []
    for token in text.split():
        bare = token.strip(".,!?…:;\"'()")
        replacement = ACCENTED_WORDS.get(bare)
        words.append(token.replace(bare, replacement) if replacement is not None and bare else token)
    return " ".join(words)


def item_topics(tokens: list[str]) -> list[str]:
    """Add the topic words after each dispatch item reference ("muc 1 4 c")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        out.append(tokens[i])
        if tokens[i] in ITEM_WORDS and i + 1 < len(tokens) and tokens[i + 1].isdigit():
            numbers = [tokens[i + 1]]
            j = i + 2
            if j < len(tokens) and tokens[j].isdigit():
                numbers.append(tokens[j])
                j += 1
            if j < len(tokens) and tokens[j] in ITEM_LETTERS and len(numbers) == 2:
                numbers.append(tokens[j])
                j += 1
            out.extend(tokens[i + 1:j])
            key = tuple(numbers)
            topic = ITEM_TOPICS.get(key) or ITEM_TOPICS.get(key[:2]) or ITEM_TOPICS.get(key[:1])
            if topic:
                out.extend(topic.split())
            i = j
            continue
        i += 1
    return out


def fold_phrases(tokens: list[str]) -> list[str]:
    """Replace known phrases (longest first) by their canonical words."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            replacement = PHRASES.get(tuple(tokens[i:i + size]))
            if replacement is not None:
                out.extend(replacement.split())
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out
