# syntax=docker/dockerfile:1
# MAMIS portal image. Templates, migrations and the stylesheet are compiled into the binary,
# so the runtime stage needs nothing but the binary and the system libraries it links.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the crate registry and build artefacts between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/mamis /usr/local/bin/mamis

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 fonts-ipamj-mincho \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app mamis
COPY --from=builder /usr/local/bin/mamis /usr/local/bin/mamis
USER mamis
WORKDIR /app
ENV BIND=0.0.0.0:3000
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/mamis"]
CMD ["serve"]
