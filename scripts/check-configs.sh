#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-configs.sh SRC [CHECK...]: the kernel configurations other than
# the QEMU test kernel's. One TAP line per check on stdout, build output
# on stderr, QEMU and build logs in build/test-logs/configs-*.log.
# CHECKs, all by default:
#
#   n       the lean QEMU kernel with CONFIG_MULTIKERNEL=n (build/obj-n)
#           builds without any of our code, and boots as it did before
#           the series even with multikernel_pool=1G on its command line:
#           no /sys/kernel/multikernel, nothing reserved
#   cloud   Debian's cloud-amd64 config plus CONFIG_MULTIKERNEL=y
#           (build/obj-cloud): our objects and those of the kernel files
#           our patches change compile, with no compiler warning from
#           any of these files (objtool runs on vmlinux.o only in this
#           config, X86_KERNEL_IBT, so not here)
#   sparse  sparse on the same objects: no warning in our files, and none
#           in the files we patch that the pristine 6.12 file does not
#           have (scripts/sparse-twin.sh runs both)
#
# The objects are derived from what prepare-tree.py put into SRC, not
# listed here: every .c and .S of the overlay outside tools/ and
# Documentation/ (SRC/.multikernel/overlay.list) and every .c the applied
# patches change (SRC/.multikernel/applied/). Our KUnit test files are
# compiled too, though the distro config has no KUnit.
set -euo pipefail

src=$(realpath "$1")
shift
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(n cloud sparse)
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/test-logs
jobs=$(( $(nproc) + 1 ))
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# The machine is shared with QEMU runs and other builds.
kmake=(nice -n 10 make -C "$src" CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs")
mkdir -p "$logs"

n=0 plan=0
for c in "${checks[@]}"; do
	case $c in
	n) plan=$((plan + 5)) ;;
	cloud) plan=$((plan + 3)) ;;
	sparse) plan=$((plan + 2)) ;;
	*) echo "check-configs: unknown check '$c' (n, cloud, sparse)" >&2; exit 2 ;;
	esac
done
echo "1..$plan"

# result OK NAME [COMMENT]: one TAP line (scripts/tap-result.sh).
. "$top/scripts/tap-result.sh"

# timed NAME COMMAND...: run it, and say on stdout how long it took.
timed() {
	local start=$SECONDS rc=0

	"$@" || rc=$?
	echo "# $1: $((SECONDS - start)) s"
	return "$rc"
}

# ---- CONFIG_MULTIKERNEL=n --------------------------------------------

n_build() {
	local obj=$top/build/obj-n frag=$top/build/multikernel-n.config

	{
		grep -v 'MULTIKERNEL' "$top/configs/qemu-x86_64.config"
		echo "CONFIG_MULTIKERNEL=n"
	} >"$frag"
	"$top/scripts/configure.sh" "$src" "$obj" "$frag" >&2 &&
	"${kmake[@]}" -s O="$obj" bzImage >&2
}

n_has_no_code() {
	local obj=$top/build/obj-n

	[ -z "$(find "$obj/kernel/multikernel" "$obj/arch/x86/kernel/multikernel" \
		-name '*.o' 2>/dev/null)" ] && ! grep -q multikernel "$obj/System.map"
}

# Boot the =n kernel with a pool on its command line and an /init that
# reports what a multikernel kernel would have changed.
n_boot() {
	local obj=$top/build/obj-n dir=$top/build/obj-n/mk-boot a

	mkdir -p "$dir"
	cat >"$dir/init" <<-'EOF'
	#!/bin/sh
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	echo "MKN-SYSFS $(test -e /sys/kernel/multikernel && echo present || echo absent)"
	echo "MKN-IOMEM $(grep -ci multikernel /proc/iomem)"
	echo "MKN-MEMTOTAL-KB $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
	echo "MKN-END"
	poweroff -f
	EOF
	{
		for d in /bin /dev /proc /sys; do
			echo "dir $d 755 0 0"
		done
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "file /bin/busybox /bin/busybox 755 0 0"
		for a in sh mount grep sed poweroff; do
			echo "slink /bin/$a busybox 777 0 0"
		done
		echo "file /init $dir/init 755 0 0"
	} >"$dir/list"
	"$obj/usr/gen_init_cpio" "$dir/list" | gzip -1 >"$dir/initramfs.cpio.gz"
	"$top/tools/testing/selftests/multikernel/run_vm.sh" \
		-k "$obj/arch/x86/boot/bzImage" -i "$dir/initramfs.cpio.gz" \
		-s 2 -m 2G -t 120 -l "$logs/configs-n-boot.log" \
		-a "multikernel_pool=1G" >/dev/null
	a=$?
	[ "$a" -eq 0 ] || echo "# QEMU exit status $a" >>"$logs/configs-n-boot.log"
}

# n_log PATTERN: the =n boot printed a line matching PATTERN. Not
# "tr | grep -q": under pipefail, grep -q leaving early kills tr with
# SIGPIPE and the match would count as a failure.
n_log() {
	grep -q "$1" < <(tr -d '\r' <"$logs/configs-n-boot.log")
}

# The kernel did not know the parameter (it hands it to /init, as 6.12
# does), reserved nothing, and kept all of the 2 GiB: a 1 GiB reservation
# would leave less than 1 GiB.
n_pool_ignored() {
	local kb

	kb=$(tr -d '\r' <"$logs/configs-n-boot.log" | sed -n 's/^MKN-MEMTOTAL-KB //p') || return 1
	n_log 'Unknown kernel command line parameters "multikernel_pool=1G' &&
	n_log '^MKN-IOMEM 0$' && [ "${kb:-0}" -gt $((1536 * 1024)) ]
}

check_n() {
	if timed n_build; then
		result 0 config_n_builds
		checked config_n_has_no_multikernel_code n_has_no_code
		if timed n_boot && n_log '^MKN-END$'; then
			result 0 config_n_boots
			checked config_n_has_no_sys_kernel_multikernel \
				n_log '^MKN-SYSFS absent$'
			checked config_n_ignores_multikernel_pool n_pool_ignored
		else
			result 1 config_n_boots "see $logs/configs-n-boot.log"
			result skip config_n_has_no_sys_kernel_multikernel
			result skip config_n_ignores_multikernel_pool
		fi
	else
		result 1 config_n_builds
		for t in has_no_multikernel_code boots has_no_sys_kernel_multikernel \
			 ignores_multikernel_pool; do
			result skip "config_n_$t"
		done
	fi
}

# ---- Debian's cloud-amd64 config --------------------------------------

cloud=$top/build/obj-cloud
cloud_config=/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz
pristine=$cloud/.pristine

# Our files (all of them, headers too) and the files the applied patches
# change, as paths relative to SRC, one per line.
our_files() {
	grep -E '^(arch|drivers|include|kernel|lib)/' "$src/.multikernel/overlay.list" | sort
}

patched_files() {
	local p

	while read -r p; do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$src/.multikernel/applied/$p"
	done <"$src/.multikernel/applied/series" | sort -u
}

# The objects to build: those of our sources and of the patched sources,
# except for other architectures, what is not kernel code, and the boot
# code under arch/x86/boot/, which kbuild cannot build as single objects
# (they would get the kernel's flags): bzImage builds it, in make kernel.
objects() {
	{ our_files; patched_files; } | sed -n 's/\.[cS]$/.o/p' |
		grep -v -E '^(tools|scripts|samples|Documentation|usr|arch/x86/boot)/' |
		awk '!/^arch\// || /^arch\/x86\//' | sort -u
}

cloud_configure() {
	# Debian's config as it is, except for two things. Debug info: BTF
	# needs pahole, which we do not install, and DWARF only makes every
	# object slower to build and bigger in the ccache. Module signing
	# (SECURITY_LOCKDOWN_LSM selects it) and the trusted keys stay: they
	# need key files only when certs/ or modules are built, which we do
	# not do. The test hooks are on only so that debugfs.c, which
	# is built with them alone, is compiled too (a distro leaves them
	# off); likewise OF and MULTIKERNEL_VIRTIO for the virtio files
	# (Debian's cloud config has no OF, which the restricted DMA pool
	# needs), and VSOCKETS=y for vsock_host.c (Debian builds the vsock
	# core as a module; MULTIKERNEL_VSOCK needs it built in).
	# olddefconfig resolves the rest.
	# The result replaces .config only when it differs, so that a rerun
	# rebuilds nothing.
	mkdir -p "$cloud"
	xz -dc "$cloud_config" >"$cloud/.config.mk"
	"$src/scripts/config" --file "$cloud/.config.mk" \
		--disable DEBUG_INFO_BTF \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--enable DEBUG_INFO_NONE \
		--enable MULTIKERNEL --enable MULTIKERNEL_TEST_HOOKS \
		--enable OF --enable MULTIKERNEL_VIRTIO \
		--enable VSOCKETS --enable MULTIKERNEL_VSOCK &&
	"${kmake[@]}" -s O="$cloud" KCONFIG_CONFIG=.config.mk olddefconfig >&2 || return 1
	cmp -s "$cloud/.config.mk" "$cloud/.config" || mv "$cloud/.config.mk" "$cloud/.config"
}

cloud_build() {
	local objs rc

	"${kmake[@]}" -s O="$cloud" prepare >&2 || return 1
	mapfile -t objs < <(objects)
	# Remove the objects first so that every run shows the compiler's
	# warnings (ccache replays them), not only the first one.
	(cd "$cloud" && rm -f "${objs[@]}")
	rc=0
	"${kmake[@]}" O="$cloud" "${objs[@]}" >"$logs/configs-cloud.log" 2>&1 || rc=$?
	sed -n '/: \(warning\|error\):/p' "$logs/configs-cloud.log" >&2
	return $rc
}

# comment: stdin as TAP comments.
comment() {
	sed 's/^/# /'
}

# diagnostics_in LOG: "path: message" of every warning or error in LOG
# that is about one of our files or of the patched files, path relative to
# SRC (a tool that names the object counts too).
diagnostics_in() {
	local files

	files=$(mktemp)
	{ our_files; patched_files; } | sed 'p; s/\.[cS]$/.o/' | sort -u >"$files"
	sed -n "s|^$src/||; s|^\./||; /: \(warning\|error\):/p" "$1" |
		awk -F: -v list="$files" '
			BEGIN { while ((getline f < list) > 0) ours[f] = 1 }
			$1 in ours'
	rm -f "$files"
}

check_cloud() {
	local warnings

	if timed cloud_configure && grep -qx CONFIG_MULTIKERNEL=y "$cloud/.config"; then
		result 0 cloud_config_has_multikernel_y
	else
		result 1 cloud_config_has_multikernel_y \
			"$(grep 'CONFIG_MULTIKERNEL[= ]' "$cloud/.config" 2>/dev/null ||
			   echo 'not in .config: a dependency is off')"
		result skip cloud_config_builds_our_objects
		result skip cloud_config_no_warnings_in_our_or_patched_files
		return
	fi
	if timed cloud_build; then
		result 0 cloud_config_builds_our_objects "$(objects | wc -l) objects"
		warnings=$(diagnostics_in "$logs/configs-cloud.log")
		if [ -z "$warnings" ]; then
			result 0 cloud_config_no_warnings_in_our_or_patched_files
		else
			comment <<<"$warnings"
			result 1 cloud_config_no_warnings_in_our_or_patched_files \
				"see $logs/configs-cloud.log"
		fi
	else
		tail -n 20 "$logs/configs-cloud.log" | comment
		result 1 cloud_config_builds_our_objects "see $logs/configs-cloud.log"
		result skip cloud_config_no_warnings_in_our_or_patched_files
	fi
}

# ---- sparse -------------------------------------------------------------

# The pristine 6.12 versions of the patched files: copies with the applied
# patches reverted, newest first.
make_pristine() {
	local f p

	rm -rf "$pristine"
	mkdir -p "$pristine"
	for f in $(patched_files); do
		mkdir -p "$pristine/$(dirname "$f")"
		cp "$src/$f" "$pristine/$f"
	done
	tac "$src/.multikernel/applied/series" | while read -r p; do
		patch -R -p1 -s --batch --no-backup-if-mismatch -d "$pristine" \
			-i "$src/.multikernel/applied/$p" >&2 || exit 1
	done
}

sparse_run() {
	local objs

	[ -f "$cloud/.config" ] && make_pristine || return 1
	mapfile -t objs < <(objects)
	# C=2 checks every source given, whether it is rebuilt or not.
	MK_SRC=$src MK_PRISTINE=$pristine "${kmake[@]}" -s O="$cloud" C=2 \
		CHECK="$top/scripts/sparse-twin.sh" "${objs[@]}" >"$logs/configs-sparse.log" 2>&1
}

check_sparse() {
	local ours new log=$logs/configs-sparse.log list

	if ! timed sparse_run; then
		tail -n 20 "$log" | comment
		result 1 sparse_no_warnings_in_our_files "see $log"
		result skip sparse_no_new_warnings_in_patched_files
		return
	fi
	list=$(mktemp)
	our_files >"$list"
	grep -v '^pristine: ' "$log" >"$log.real" || true
	sed -n 's/^pristine: //p' "$log" >"$log.pristine"
	# Ours: every message counts.
	ours=$(diagnostics_in "$log.real" |
		awk -F: -v list="$list" '
			BEGIN { while ((getline f < list) > 0) ours[f] = 1 }
			$1 in ours')
	# Patched: a message (path and text, line numbers aside) the pristine
	# twin did not print is new.
	new=$( { diagnostics_in "$log.pristine" | sed 's/^/P /'
		 diagnostics_in "$log.real"; } |
		awk -F: -v list="$list" '
			BEGIN { while ((getline f < list) > 0) ours[f] = 1 }
			/^P / { sub(/^P /, ""); key = $1; $1 = $2 = $3 = ""
				old[key ":" $0] = 1; next }
			!($1 in ours) { line = $0; key = $1; $1 = $2 = $3 = ""
				if (!((key ":" $0) in old)) print line }')
	rm -f "$list"
	if [ -z "$ours" ]; then
		result 0 sparse_no_warnings_in_our_files
	else
		comment <<<"$ours"
		result 1 sparse_no_warnings_in_our_files "see $log"
	fi
	if [ -z "$new" ]; then
		result 0 sparse_no_new_warnings_in_patched_files \
			"pristine twins: $(grep -c ': warning:' "$log.pristine" || true) warnings"
	else
		comment <<<"$new"
		result 1 sparse_no_new_warnings_in_patched_files "see $log"
	fi
}

for c in "${checks[@]}"; do
	"check_$c"
done
exit "$failed"
