"""Chinese and mixed-language word cutting, and what a query asks for, shared by every backend.

Documents and queries are read alike: traditional characters become simplified (OpenCC), then
jieba cuts the words. jieba's search mode emits a long word and its parts (心理健康 → 心理, 健康,
心理健康), so a short query finds a longer word; queries are cut in precise mode (see `words`).
Each Chinese word of a document also gives its toneless pinyin (养老 → yanglao), so a query typed
in Latin letters finds it. Tokens are numbered 0, 1, 2… rather than by character offset, which
jieba reports and which breaks Whoosh's phrase positions.

A query is a list of concepts (`Query`): each word a resident typed, with its synonyms
(data/synonyms.txt) as alternatives; question and filler words (怎么办, 希望…) and numbers in characters
(八十多岁) are dropped, and common words (社区, 困难…) unless they are all a query has. A
document matches when it holds any concept; it ranks first by how many concepts it holds, then by
BM25 with the title weighted, so one holding every concept always outranks one holding fewer. A
quoted part ("居家养老") is also a `Phrase` that every result must hold as written."""
import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

# Words too common to be worth matching on their own.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 是 我 有 也 就 都 而 等 对 为 把 被 之 其 the a an and or of to in for".split()
)
# Words of natural questions and wishes that say nothing of the topic: left out of queries only.
QUESTION_WORDS = frozenset(
    "怎么办 怎么 怎样 如何 为什么 什么 哪里 哪儿 哪个 哪些 有没有 是否 能否 能不能 可不可以 可以 能 吗 呢 吧 啊 "
    "呀 请问 希望 想 想要 需要 要 没有 不 太 很 非常 总是 经常 一直 我们 咱们 他们 大家 有人 谁 一些 一下 现在 最近 "
    "一个 一个人 自己 找 给 今年 另外 还有 看看".split()
)
# Words every second question holds, which still name a topic when typed alone (社区, 困难, 申请): left
# out of a query that has other words, searched for when they are all it has.
COMMON_WORDS = frozenset(
    "求助 帮忙 帮助 帮 解决 问题 困难 没人 家里 家中 我家 附近 小区 社区 居民 在家 独自 申请 办理".split()
)
# Numbers and ages written in characters (八十, 十多岁, 一位): a question's detail, not its topic.
_NUMBER_WORD = re.compile(r"[零〇一二两三四五六七八九十百千万几多余岁位个]+")
MAX_CONCEPTS = 6  # words searched for in one query (after question words and synonyms are folded)
SYNONYMS_FILE = os.path.join(os.path.dirname(__file__), "data", "synonyms.txt")
_CJK = re.compile(r"[\u3400-\u9fff]")
_loaded = threading.Lock()
_jieba = None


def _cutter():
    """jieba, with its dictionary loaded once per process (about 0.6 s)."""
    global _jieba
    if _jieba is None:
        with _loaded:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for word in synonyms(SYNONYMS_FILE, loading=True):  # the domain's words, cut whole
                    jieba.add_word(word)
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as simplified ones (長者 → 长者); other text unchanged."""
    return _converter().convert(text) if text and _CJK.search(text) else (text or "")


@lru_cache(maxsize=65536)
def pinyin_of(word: str) -> str:
    """The toneless pinyin of a Chinese word, run together (养老 → yanglao); "" for other words."""
    if not _CJK.search(word):
        return ""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()


def words(text: str, for_query: bool = False) -> list[str]:
    """The searchable words of `text`, simplified and lower-cased, in order, punctuation and stop
    words left out.

    Texts are cut in search mode (a long word and its parts); queries in precise mode, whose words
    are all among a text's search-mode words: 心理健康 then asks for one word instead of three."""
    found = []
    cutter = _cutter()
    text = simplified(text or "")
    for piece in (cutter.cut(text) if for_query else cutter.cut_for_search(text)):
        word = piece.strip().lower()
        if word and any(ch.isalnum() for ch in word) and word not in STOP_WORDS:
            found.append(word)
    return found


def indexed_words(text: str) -> list[str]:
    """A document's words, each Chinese word of two characters or more followed by its pinyin."""
    found = []
    for word in words(text):
        found.append(word)
        if len(word) > 1:
            sound = pinyin_of(word)
            if sound:
                found.append(sound)
    return found


@lru_cache(maxsize=4)
def _synonym_groups(path: str, changed: float) -> dict[str, tuple[str, ...]]:
    """Each word of the synonyms file → its group (read again when the file changes)."""
    groups: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.split("#", 1)[0].strip()
            if line:
                group = tuple(dict.fromkeys(_converter().convert(w).lower() for w in line.split()))
                for word in group:
                    groups[word] = tuple(dict.fromkeys(groups.get(word, ()) + group))
    return groups


def synonyms(path: str | None = None, loading: bool = False) -> dict[str, tuple[str, ...]]:
    path = path or SYNONYMS_FILE
    return _synonym_groups(path, 0.0 if loading else os.path.getmtime(path))


@dataclass(frozen=True)
class Phrase:
    """A quoted part of a query, which results must hold as written: its words (to find candidates in
    the index) and its text without spaces (to check them)."""

    words: tuple[str, ...]
    text: str

    def held_by(self, *texts: str) -> bool:
        return any(self.text in compact(t) for t in texts)


def compact(text: str) -> str:
    """A text as a quoted phrase is compared with it: simplified, lower-cased, without spaces."""
    return "".join(simplified(text or "").lower().split())


@dataclass(frozen=True)
class Query:
    """What a query asks for: concepts, each a tuple of alternative words (the word typed first), and
    the quoted phrases a result must hold."""

    concepts: tuple[tuple[str, ...], ...]
    phrases: tuple[Phrase, ...] = ()
    left_out: tuple[str, ...] = ()  # words past MAX_CONCEPTS, not searched for

    @property
    def words(self) -> list[str]:
        """Every word that counts as a match, longest first (for highlighting: 心理健康 before 心理)."""
        return sorted({w for concept in self.concepts for w in concept}, key=lambda w: (-len(w), w))

    def __bool__(self) -> bool:
        return bool(self.concepts)


def _pinyin_query(text: str) -> list[str] | None:
    """The words of a query typed in pinyin, as documents index the pinyin of their words: syllables
    typed apart run together (yang lao → yanglao), words typed apart stay apart (laji fenlei → laji,
    fenlei); None for a query that is not all pinyin."""
    tokens = re.findall(r"[a-z]+", text.lower())
    if not tokens or _CJK.search(text) or not all(_is_pinyin(token) for token in tokens):
        return None
    if all(token in _syllables() for token in tokens):
        return ["".join(tokens)]
    return list(dict.fromkeys(tokens))


def _is_pinyin(token: str) -> bool:
    """Whether a run of letters splits into pinyin syllables (yanglao: yang + lao)."""
    syllables = _syllables()
    reachable = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        reachable[end] = any(reachable[start] and token[start:end] in syllables
                             for start in range(max(0, end - 6), end))
    return reachable[-1]


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(convert(reading, Style.NORMAL, strict=False))
    return frozenset(s for s in found if s.isalpha() and s.isascii())


# "…", “…” and 「…」 quote a phrase
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')


def parse(text: str, synonyms_file: str | None = None) -> Query:
    """The concepts of a query: its words in precise mode less question words, each with its synonyms;
    a query in pinyin is one concept (its syllables run together). Quoted parts are also phrases."""
    text = text or ""
    phrases = []
    for match in _QUOTED.finditer(text):
        quoted = next(part for part in match.groups() if part is not None)
        phrase_words = tuple(dict.fromkeys(words(quoted, for_query=True)))
        if phrase_words:
            phrases.append(Phrase(phrase_words, compact(quoted)))
    text = _QUOTED.sub(lambda m: " " + next(p for p in m.groups() if p is not None) + " ", text)
    sounds = _pinyin_query(text)
    if sounds is not None:
        return Query(tuple((sound,) for sound in sounds), tuple(phrases))
    groups = synonyms(synonyms_file)
    typed = []
    for word in words(text, for_query=True):
        # a compound the index holds only in parts (儿童心理, 看病难): its parts, each a concept
        parts = [] if word in groups or len(word) < 3 or not _CJK.search(word) else \
            [p for p in _cutter().cut_for_search(word) if p != word and len(p) > 1]
        typed += parts or [word]
    typed = list(dict.fromkeys(w for w in typed if w not in QUESTION_WORDS and not _NUMBER_WORD.fullmatch(w)))
    if any(w not in COMMON_WORDS for w in typed):
        typed = [w for w in typed if w not in COMMON_WORDS]
    # 没人 is cut 没 / 人: a lone character says little, unless it is all the query has
    if any(len(w) > 1 or not _CJK.search(w) for w in typed):
        typed = [w for w in typed if len(w) > 1 or not _CJK.search(w)]
    concepts = []
    for word in typed:
        alternatives = (word,) + tuple(w for w in groups.get(word, ()) if w != word)
        if not any(set(alternatives) <= set(other) for other in concepts):  # 老人 and 老年人: one concept
            concepts.append(alternatives)
    if not concepts and phrases:  # a quoted phrase of common words: its words are what it asks for
        concepts = [(w,) for w in dict.fromkeys(w for p in phrases for w in p.words)]
    # Ranking by how many concepts a document holds lists, on PostgreSQL, every combination of them:
    # a long query keeps MAX_CONCEPTS words (and the page says which it left out), the words of the
    # services' vocabulary (those with synonyms) first, then the others in the order typed. A resident's
    # long question names a place and people before the help it asks for.
    chosen = ([c for c in concepts if len(c) > 1] + [c for c in concepts if len(c) == 1])[:MAX_CONCEPTS]
    left_out = tuple(concept[0] for concept in concepts if concept not in chosen)
    return Query(tuple(c for c in concepts if c in chosen), tuple(phrases), left_out)


def query_words(text: str) -> list[str]:
    """The distinct words of a query, longest first (so highlighting prefers 心理健康 to 心理)."""
    return sorted(set(words(text, for_query=True)), key=lambda w: (-len(w), w))


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over `indexed_words`, with consecutive positions."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for number, word in enumerate(indexed_words(value)):
            token.original = token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + number
            yield token


def analyzer():
    return ChineseTokenizer()
