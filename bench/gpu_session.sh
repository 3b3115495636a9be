#!/usr/bin/env bash
# The GPU work issue 4 still needs, for a session lent an NVIDIA machine (the device tool).
#
# Before the first call, here: copy the datasets into an ignored folder that travels,
#   echo /.gpu/ >> .git/info/exclude; mkdir -p .gpu/data
#   cp -r ../shared/datasets/mnist ../shared/datasets/fashion-mnist .gpu/data/
# then call the device with carry [".gpu"] and the command
#   bash bench/gpu_session.sh start     (≤ 1 min: GPU tests, then starts the runs)
#   bash bench/gpu_session.sh wait      (again and again, at once: the machine goes back
#                                        after 30 s idle, and the runs die with it)
# until it prints "all done"; the results come back under $OUT (ch6.json, gpu_cnn.json,
# logs). Here: python bench/bench_ch6.py report --json FILE; same for bench_gpu_cnn.py.
# On an H100 the chapter 6 set took an estimated 11-12 minutes (eight networks together).
set -u
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1 DIGITNET_DATA=$PWD/.gpu/data DIGITNET_CACHE=/tmp/dc
runs=/tmp/digitnet-gpu
case "${1:-}" in
start)
    mkdir -p $runs
    timeout 90 python3 -m pytest -q -x -p no:cacheprovider tests/test_torch_together.py \
        tests/test_torch_backend.py 2>&1 | tail -n 3 | tee $OUT/tests.txt
    grep -q " passed" $OUT/tests.txt && ! grep -q "failed\|error" $OUT/tests.txt || exit 3
    setsid nohup bash -c "python3 bench/bench_ch6.py run --device cuda --json $runs/ch6.json \
        > $runs/ch6.log 2>&1; python3 bench/bench_gpu_cnn.py run --json $runs/gpu_cnn.json \
        > $runs/gpu_cnn.log 2>&1; touch $runs/done" < /dev/null > /dev/null 2>&1 &
    sleep 30; tail -n 3 $runs/ch6.log
    ;;
wait)
    start=$SECONDS
    while [ $((SECONDS - start)) -lt 540 ] && [ ! -f $runs/done ]; do sleep 5; done
    cp $runs/*.log $OUT/ 2>/dev/null; cp $runs/*.json $OUT/ 2>/dev/null
    tail -n 4 $runs/*.log
    [ -f $runs/done ] && echo "all done"
    ;;
*)
    echo "usage: bash bench/gpu_session.sh start|wait" >&2; exit 2
    ;;
esac
