"""gunicorn's settings: `gunicorn config.wsgi:application -c config/gunicorn.py`.

Command-line options win over these (`--workers 4 --bind 127.0.0.1:8000`).
"""

# Survey links, sign-up confirmations, member invitations and password resets carry their only
# credential in the address: the access and error logs write it as [redacted].
logger_class = "security.gunicorn.RedactingLogger"
# The access log on standard output, in the combined format (with the Referer, also redacted).
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
