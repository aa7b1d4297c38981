# One image for web (gunicorn), worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SEGWEB_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput \
    && useradd --create-home segweb && mkdir -p /app/var && chown -R segweb /app/var
USER segweb

EXPOSE 8000
CMD ["gunicorn", "segweb.wsgi:application", "--config", "gunicorn.conf.py"]
