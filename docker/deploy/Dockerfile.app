# paperd itself on the node base: the build host's Node.js 20 binary, the sources (run by tsx, no
# build step), node_modules as `npm ci` made them on bookworm (native modules: better-sqlite3,
# LanceDB, ZeroMQ) and the built web page. build.sh assembles the context; no network.
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY app /opt/paperd
RUN ln -s /opt/paperd/bin/paperd.js /usr/local/bin/paperd && chmod 0755 /usr/local/bin/node /opt/paperd/bin/paperd.js /opt/paperd/nodes/launch.sh \
 && node --version
ENV LANG=C.UTF-8 NODE_ENV=production PAPERD_DATA=/data PAPERD_API_HOST=0.0.0.0 PAPERD_LOG_LEVEL=info
WORKDIR /opt/paperd
VOLUME /data
# `paperd drain` and `docker stop` both end in SIGTERM: work in hand finishes, leases go back.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
