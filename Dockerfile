# One image for every process of the assistant: Rasa server, action server, delivery worker
# and the `chatbot` command. The model is trained at build time, so replicas start with it.
#
#   docker build -t lop-hoc-an-toan:0.1.0 .
#   docker run lop-hoc-an-toan:0.1.0                       # Rasa server (the default)
#   docker run --entrypoint chatbot lop-hoc-an-toan:0.1.0 actions --port 5055
#   docker run --entrypoint chatbot lop-hoc-an-toan:0.1.0 worker
#
# The entrypoint is `rasa`, as in Rasa's own image, so Rasa's Helm chart can pass its
# arguments (`run --port 5005 ...`) and mount /app/endpoints.yml and /app/credentials.yml.
FROM python:3.10-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=3 \
    MPLCONFIGDIR=/tmp/matplotlib \
    CHATBOT_DATA_DIR=/app/data

WORKDIR /app

# Dependencies first: this layer is reused until requirements.lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY chatbot ./chatbot
COPY actions ./actions
COPY connectors ./connectors
COPY web ./web
COPY cli ./cli
COPY deploy/credentials.yml ./credentials.yml
COPY deploy/endpoints.yml ./endpoints.yml
RUN pip install --no-deps -e . \
    && chatbot train \
    && rm -rf .rasa

# Every process started from the image is production: INVITE_CODE_PEPPER and (for the action
# server) ACTION_SERVER_TOKEN must be in its environment, or it refuses to start.
ENV CHATBOT_ENV=production

RUN useradd --system --uid 1001 --home-dir /app app \
    && mkdir -p /app/data \
    && chown app /app/data
USER 1001

EXPOSE 5005 5055
ENTRYPOINT ["rasa"]
CMD ["run", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005"]
