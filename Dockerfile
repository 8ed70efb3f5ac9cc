# Build: install the pinned dependencies and the service into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install -r requirements.lock
# The service runs from /srv/dondoc (app/ and demo/ beside migrations/), through this command.
RUN printf '#!/bin/sh\nexec python -m app "$@"\n' > /opt/venv/bin/dondoc \
    && chmod 755 /opt/venv/bin/dondoc

# Run: the environment, the migrations, an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/srv/dondoc PYTHONUNBUFFERED=1 \
    DONDOC_DATA_DIR=/var/lib/dondoc
RUN useradd --system --create-home --uid 10001 dondoc \
    && mkdir -p /var/lib/dondoc && chown dondoc /var/lib/dondoc
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/dondoc
COPY migrations ./migrations
COPY app ./app
COPY demo ./demo
USER dondoc
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["dondoc", "serve", "--host", "0.0.0.0", "--port", "8000"]
