"""Chinese and mixed-language word cutting, one function for indexing and querying alike.

jieba's search mode emits a long word and its parts (心理健康 → 心理, 健康, 心理健康), so a short
query finds a longer word; queries are cut in precise mode (see `words`). Tokens are numbered
0, 1, 2… rather than by character offset, which jieba reports and which breaks Whoosh's phrase
positions."""
import logging
import threading

from whoosh.analysis import Token, Tokenizer

# Words too common to be worth matching on their own.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 是 我 有 也 就 都 而 等 对 为 把 被 之 其 the a an and or of to in for".split()
)
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
                _jieba = jieba
    return _jieba


def words(text: str, for_query: bool = False) -> list[str]:
    """The searchable words of `text`, lower-cased, in order, punctuation and stop words left out.

    Texts are cut in search mode (a long word and its parts); queries in precise mode, whose words
    are all among a text's search-mode words: 心理健康 then asks for one word instead of three,
    which keeps every query word a required match without multiplying the terms to score."""
    found = []
    cutter = _cutter()
    for piece in (cutter.cut(text or "") if for_query else cutter.cut_for_search(text or "")):
        word = piece.strip().lower()
        if word and any(ch.isalnum() for ch in word) and word not in STOP_WORDS:
            found.append(word)
    return found


def query_words(text: str) -> list[str]:
    """The distinct words of a query, longest first (so highlighting prefers 心理健康 to 心理)."""
    return sorted(set(words(text, for_query=True)), key=lambda w: (-len(w), w))


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over `words`, with consecutive positions."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for number, word in enumerate(words(value)):
            token.original = token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + number
            yield token


def analyzer():
    return ChineseTokenizer()
