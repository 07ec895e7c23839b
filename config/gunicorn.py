"""gunicorn's settings: `gunicorn config.wsgi:application -c config/gunicorn.py`.

Command-line options win over these (`--workers 4 --bind 127.0.0.1:8000`).
"""

import multiprocessing
import os

# Sync workers, two per core (WEB_CONCURRENCY overrides the count): each takes one request at a time
# from the shared socket, so the load spreads evenly over the processes, and while one waits for the
# database the other on the same core runs Python. Behind a reverse proxy that buffers requests and
# responses, a slow client never holds a worker. gthread workers were measured and not chosen: each
# keeps the connections it accepted, and one process (one interpreter lock) ended up serving most
# respondents while the others idled (docs/performance.md, "Answer autosave").
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))

# Survey links, sign-up confirmations, member invitations and password resets carry their only
# credential in the address: the access and error logs write it as [redacted].
logger_class = "security.gunicorn.RedactingLogger"
# The access log on standard output, in the combined format (with the Referer, also redacted).
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
