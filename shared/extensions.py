"""Flask extensions, created unbound and initialised by each app factory.

Flask-Migrate is set up by :func:`shared.app.build_app` only where migrations can run (CLI,
tests): it pulls in Alembic, Mako and Pygments, ~10 MB a serving process does not need.
"""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
