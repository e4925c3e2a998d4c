#!/usr/bin/env bash
# Install and start a single-node Slurm cluster on this machine, as root, without systemd.
# Used by CI (.ci/run) so that the Slurm integration test runs for real; safe to run again.
#   sudo bash scripts/slurm/setup_single_node.sh
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "setup_single_node.sh: must run as root" >&2
    exit 1
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sinfo >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

host="$(hostname)"
cpus="$(nproc)"
free_mb="$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)"
memory_mb=$(( free_mb * 8 / 10 ))

# Munge: a key owned by munge, mode 400, and munged running as munge.
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
    su -s /bin/sh munge -c "/usr/sbin/munged"
fi

# Slurm: one node with every core, memory below what is free, no accounting.
install -d -m 0755 /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=sscsim
SlurmctldHost=${host}
SlurmUser=root
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=${host} CPUs=${cpus} RealMemory=${memory_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

if ! pgrep -x slurmctld >/dev/null; then
    slurmctld
fi
if ! pgrep -x slurmd >/dev/null; then
    slurmd
fi

for _ in $(seq 1 30); do
    state="$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1 || true)"
    if [ "$state" = "idle" ] || [ "$state" = "mixed" ] || [ "$state" = "allocated" ]; then
        echo "slurm: node ${host} ${state} (${cpus} CPUs, ${memory_mb} MB)"
        exit 0
    fi
    if [ "$state" = "down" ] || [ "$state" = "drained" ] || [ "$state" = "down*" ]; then
        scontrol update NodeName="${host}" State=RESUME >/dev/null 2>&1 || true
    fi
    sleep 1
done
echo "slurm: node ${host} not idle after 30 s (state: ${state:-none})" >&2
sinfo -N -l >&2 || true
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
