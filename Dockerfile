# One image for the gateway and the three services; docker-compose.yml picks the process
# with its command: uvicorn --factory <package>.main:create_app.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY gateway ./gateway
COPY sop ./sop
RUN pip install . \
    && useradd --system --create-home --home-dir /home/sop sop \
    && mkdir -p /app/var \
    && chown sop /app/var

USER sop
EXPOSE 8000 8001 8002 8003
CMD ["uvicorn", "--factory", "gateway.main:create_app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75"]
