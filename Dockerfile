# One image for every role: central server, regional node and sync scheduler.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY central ./central
COPY regional ./regional
COPY sync ./sync
RUN pip install --no-cache-dir . && useradd --create-home sinovik
USER sinovik
VOLUME ["/data"]
EXPOSE 8000
CMD ["sinovik", "--help"]
