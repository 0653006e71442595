"""gunicorn's settings for Market (gunicorn reads ./gunicorn.conf.py by itself; see README, "Production").

Each worker, once it has loaded the app, loads what search reads queries with (jieba's dictionary,
OpenCC, pypinyin) instead of on its first search, then collects and freezes everything alive: the
app's objects live as long as the worker, and Python's full collections walked all of them every few
dozen requests (about 230,000 objects, a 90–110 ms pause in the middle of some request). Frozen
objects are left out of every collection (`gc.freeze`; done in each worker, as the app is loaded
there, not in gunicorn's master)."""
import gc


def post_worker_init(worker):
    from market.search import analysis

    analysis.parse("居家养老 yang lao 長者")
    gc.collect()
    gc.freeze()
