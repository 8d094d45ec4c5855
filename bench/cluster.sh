# Sourced by the benchmark scripts that run a Ballista cluster on loopback
# (bench/distributed.sh, bench/range_plan.sh): a scheduler and two executor
# processes of the gongfu-ballista binary, their ports, their peak memory.
# The sourcing script sets `out` (a scratch directory) and traps
# `cleanup_cluster` on exit.
pids=()
cleanup_cluster() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
# peak resident memory of a running process, MB
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
# start_cluster BINARY: a scheduler on port $sp (pid $sched) and two
# executors (pids ${execs[@]}), shuffle files under $out/work1 and work2
start_cluster() {
  sp=$(free_port)
  RUST_LOG=warn "$1" scheduler --port "$sp" & pids+=($!); sched=$!
  wait_port "$sp"
  execs=()
  local k fp gp
  for k in 1 2; do
    fp=$(free_port); gp=$(free_port)
    RUST_LOG=warn "$1" executor --scheduler-port "$sp" --port "$fp" --grpc-port "$gp" \
      --work-dir "$out/work$k" & pids+=($!); execs+=($!)
    wait_port "$fp"
  done
  sleep 1
}
# stop_cluster: executors first (they report to the scheduler until they
# stop), then the scheduler; their shuffle files removed
stop_cluster() {
  kill "${execs[@]}" 2>/dev/null || true
  wait "${execs[@]}" 2>/dev/null || true
  kill "$sched" 2>/dev/null || true
  wait "$sched" 2>/dev/null || true
  rm -rf "$out"/work*
  pids=()
}
