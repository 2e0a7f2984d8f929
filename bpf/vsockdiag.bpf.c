// SPDX-License-Identifier: GPL-2.0
/*
 * vsockdiag's BPF programs. Every hook exists in up to three flavours
 * (fentry/fexit, kprobe/kretprobe, a generic tracepoint); the loader
 * (collectors/bpf_load.c) probes the exact attach point and loads one flavour
 * per hook, the others stay off (autoload false). Records go to one ring
 * buffer; the recorder turns them into "vsockdiag-bpf" marker lines
 * (doc/bpf-events.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "vd_bpf.h"
#include "vd_types.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define VIRTIO_ID_VSOCK 19
#define AF_VSOCK	40
#define VSOCK_VQ_RX	0
#define VSOCK_OP_RW	5

/* set by the loader before load */
const volatile bool use_boot_clock = false;
const volatile __u32 vq_device_id = VIRTIO_ID_VSOCK; /* tests aim vq_irq at another virtio device */
const volatile bool sample_ring = false;
const volatile bool sample_credit = false;
const volatile bool sample_vhost = false;
const volatile __u32 only_tgid = 0; /* the iterator looks at this process only (tests) */
const volatile __u32 payload_ports[VD_MAX_PAYLOAD_PORTS] = {};
const volatile __u32 npayload_ports = 0;
const volatile __u64 code_lo[VD_MAX_CODE_RANGES] = {};
const volatile __u64 code_hi[VD_MAX_CODE_RANGES] = {};
const volatile __u32 ncode_ranges = 0;

/* set by user space before each iterator run */
__u32 sample_why; /* VD_WHY_*; 0 reads as a periodic sample */
__u32 ring_sampled;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* records the ring buffer could not take, per CPU: the relay reports increases */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 32 * sizeof(__u64));
} stacks SEC(".maps");

/* entry state for kprobe/kretprobe and fentry/fexit pairs, by thread */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} entry_arg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __s64);
} entry_level SEC(".maps");

/* identity tests: typeless addresses from kallsyms, 0 when absent */
extern const void vring_interrupt __ksym __weak;
extern const void vp_vring_interrupt __ksym __weak;
extern const void vp_interrupt __ksym __weak;
extern const void vm_interrupt __ksym __weak;
extern const void virtio_transport_rx_work __ksym __weak;
extern const void vhost_vsock_handle_rx_kick __ksym __weak;
extern const void vhost_vsock_fops __ksym __weak;
extern const void the_virtio_vsock __ksym __weak;
/* the transports (struct virtio_transport, whose vsock_transport comes first) */
extern const void virtio_transport __ksym __weak;
extern const void vhost_transport __ksym __weak;
extern const void loopback_transport __ksym __weak;

static __always_inline struct vd_brec *rec_new(__u32 type)
{
	struct vd_brec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);

		if (n)
			*n += 1;
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->t = use_boot_clock ? bpf_ktime_get_boot_ns() : bpf_ktime_get_ns();
	r->type = type;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	return r;
}

/*
 * No wake-up per record: the relay drains every 100 ms anyway, and a wake-up
 * (an irq_work, then a context switch) per kick or page allocation would cost
 * more than the program that made the record.
 */
static __always_inline void rec_submit(struct vd_brec *r)
{
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

#include "ring.bpf.h"
#include "kick.bpf.h"
#include "vhost.bpf.h"
#include "irq.bpf.h"
#include "alloc.bpf.h"
#include "payload.bpf.h"
#include "sample.bpf.h"
