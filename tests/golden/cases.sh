# SPDX-License-Identifier: GPL-2.0
# The golden cases: one line each, "NAME<TAB>vsockdiag ARGS...". Sourced by
# tests/golden/run.sh. Paths are relative to the repository root.
golden_cases() {
	local d s
	for d in examples/lab/*/; do
		s=$(basename "$d")
		printf 'lab-%s.correlate\tcorrelate --json --names host,guest %shost.txt %sguest.txt\n' "$s" "$d" "$d"
		printf 'lab-%s.correlate-text\tcorrelate -v --names host,guest %shost.txt %sguest.txt\n' "$s" "$d" "$d"
		printf 'lab-%s.host-alone\tcorrelate --json --names host,guest %shost.txt\n' "$s" "$d"
		printf 'lab-%s.guest-alone\tcorrelate --json --names guest,host %sguest.txt\n' "$s" "$d"
		printf 'lab-%s.report-host\treport --json %shost.txt\n' "$s" "$d"
		printf 'lab-%s.report-guest\treport --json %sguest.txt\n' "$s" "$d"
	done
	for d in examples/simulated/*/; do
		s=$(basename "$d")
		printf 'sim-%s.correlate\tcorrelate --json --names linux,android %slinux.txt %sandroid.txt\n' "$s" "$d" "$d"
		printf 'sim-%s.correlate-text\tcorrelate -v --names linux,android %slinux.txt %sandroid.txt\n' "$s" "$d" "$d"
		printf 'sim-%s.report-linux\treport --json %slinux.txt\n' "$s" "$d"
		printf 'sim-%s.linux-alone\tcorrelate --json --names linux,android %slinux.txt\n' "$s" "$d"
	done
	printf 'seed.correlate\tcorrelate --json --names linux,android tests/fixtures/text/seed_linux.txt tests/fixtures/text/seed_android.txt\n'
	printf 'adb-handshake.correlate\tcorrelate --json --names host,guest tests/fixtures/text/adb_handshake_host.txt tests/fixtures/text/adb_handshake_guest.txt\n'
	printf 'half-closed.correlate\tcorrelate --json --names host,guest tests/fixtures/text/half_closed_host.txt tests/fixtures/text/half_closed_guest.txt\n'
	# synthetic BPF evidence (tests/fixtures/text/bpf/make.py): one dead link explained four ways
	for s in frozen ringempty allocfail nokick nobpf; do
		d=tests/fixtures/text/bpf/$s
		printf 'bpf-%s.correlate\tcorrelate --json --names host,guest %s_host.txt %s_guest.txt\n' "$s" "$d" "$d"
		printf 'bpf-%s.correlate-text\tcorrelate -v --names host,guest %s_host.txt %s_guest.txt\n' "$s" "$d" "$d"
		printf 'bpf-%s.report-guest\treport -v %s_guest.txt\n' "$s" "$d"
		printf 'bpf-%s.host-alone\tcorrelate -v --names host,guest %s_host.txt\n' "$s" "$d"
	done
	# synthetic adb over vsock with payload heads (tests/fixtures/text/adb/make.py)
	for s in session stall nocnxn dead reset; do
		d=tests/fixtures/text/adb/$s
		printf 'adb-%s.correlate\tcorrelate --json --names host,guest %s_host.txt %s_guest.txt\n' "$s" "$d" "$d"
		printf 'adb-%s.correlate-text\tcorrelate -v --names host,guest %s_host.txt %s_guest.txt\n' "$s" "$d" "$d"
	done
	printf 'adb-stall.report-guest\treport -v tests/fixtures/text/adb/stall_guest.txt\n'
	printf 'adb-stall.report-guest-json\treport --json tests/fixtures/text/adb/stall_guest.txt\n'
	printf 'bpf-notread.report\treport -v tests/fixtures/text/bpf/notread_host.txt\n'
	printf 'bpf-notread.report-json\treport --json tests/fixtures/text/bpf/notread_host.txt\n'
	for s in lost_events overwritten page_alloc_old page_alloc_new kmalloc_old kmalloc_new tracecmd_report; do
		printf 'fixture-%s.report\treport --json tests/fixtures/text/%s.txt\n' "$s" "$s"
	done
	# every irq-info layout and padded %p "(null)": the same report as flags5, page_alloc_old,
	# kmalloc_old and null_ptr32_unpadded but for the file's name (tests/unit/test_text.c)
	for s in flags5 flags7_rt flags7_rhel flags5_lazy flags_dovetail null_page64 null_ptr64 null_ptr32 null_ptr32_unpadded; do
		printf 'fixture-%s.report\treport --json tests/fixtures/text/%s.txt\n' "$s" "$s"
	done
}
