#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Ansible role of contrib/ansible/roles/smtpguard, applied for real
# with Debian's ansible-core (connection local, inside the guest) to a
# router namespace: the kernel then holds what the variables say; a second
# run changes nothing; --check --diff shows a change without making it;
# one more allow prefix is exactly one file and the restore that follows;
# a variable that renders a broken file is refused by validate, the file
# and the kernel untouched.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip ansible-playbook xargs
sg_require_module_file
sg_init
sg_plan 6
sg_add_ns "$NS_RTR" || skip_all "cannot create the router namespace"
sg_load_module_or_die

export LC_ALL=C.UTF-8 ANSIBLE_ROLES_PATH=$SG_ROOT/contrib/ansible/roles
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP=$SG_TMP/ansible
conf=$SG_TMP/etc/netns/$NS_RTR.conf
printf '203.0.113.50\n203.0.113.51\n' >"$SG_TMP/office.txt"
cat >"$SG_TMP/play.yml" <<'EOF'
- hosts: localhost
  connection: local
  gather_facts: false
  roles: [smtpguard]
EOF
# vars ALLOW...: the role's variables, with these allow prefixes
vars() {
	local a list=""
	for a in "$@"; do list+="\"$a\", "; done
	cat <<-EOF
		smtpguard_netns: $NS_RTR
		smtpguard_conf_dir: $SG_TMP/etc
		smtpguard_state_dir: $SG_TMP/state
		smtpguard_ports: [25, 587]
		smtpguard_allow: [${list%, }]
		smtpguard_except: [192.0.2.53]
		smtpguard_block: [{prefix: 203.0.113.99}]
		smtpguard_feeds: [{name: office, file: $SG_TMP/office.txt, every: 5m}]
	EOF
}
# play OUT [ARGS...]: ansible-playbook's output into OUT, its exit status
play() {
	local out=$1
	shift
	ansible-playbook -i localhost, "$SG_TMP/play.yml" "$@" >"$out" 2>&1
}
# changed OUT: the "changed=N" of the play recap
changed() { sed -n 's/^localhost *: .*changed=\([0-9]*\) .*/\1/p' "$1"; }
state() {
	smtpguardctl -n "$NS_RTR" save | grep -v '^#'
}

vars 10.10.10.10 2001:db8:10::10 >"$SG_TMP/v1.yml"
play "$SG_TMP/run1" -e @"$SG_TMP/v1.yml"
check_err $? "first run: $(tail -n 20 "$SG_TMP/run1")"
expect_eq "allow list" "10.10.10.10 2001:db8:10::10" "$(smtpguardctl -n "$NS_RTR" allow list | xargs)"
state | grep -qx 'ports 25 587' || sg_fail "ports: $(state | grep ports)"
smtpguardctl -n "$NS_RTR" block test 203.0.113.99 >/dev/null || sg_fail "the manual entry is not blocked"
smtpguardctl -n "$NS_RTR" block test 203.0.113.51 >/dev/null || sg_fail "the office feed is not loaded"
expect_eq "exceptions" "192.0.2.53" "$(smtpguardctl -n "$NS_RTR" except list | xargs)"
[[ -s $conf ]] || sg_fail "no $conf"
log_test "the role makes the namespace's configuration what its variables say"

play "$SG_TMP/run2" -e @"$SG_TMP/v1.yml"
check_err $? "second run: $(tail -n 20 "$SG_TMP/run2")"
expect_eq "changed on the second run" 0 "$(changed "$SG_TMP/run2")"
log_test "applied again: changed=0"

before=$(state)
file_before=$(md5sum <"$conf")
vars 10.10.10.10 10.10.10.11 2001:db8:10::10 >"$SG_TMP/v2.yml"
play "$SG_TMP/check" -e @"$SG_TMP/v2.yml" --check --diff
check_err $? "--check --diff: $(tail -n 20 "$SG_TMP/check")"
grep -qx '+allow 10.10.10.11' "$SG_TMP/check" || sg_fail "--diff does not show the new line: $(grep -A12 'before' "$SG_TMP/check")"
expect_eq "the file after --check" "$file_before" "$(md5sum <"$conf")"
expect_eq "the kernel after --check" "$before" "$(state)"
log_test "--check --diff shows the change (+allow 10.10.10.11) and makes none"

play "$SG_TMP/run3" -e @"$SG_TMP/v2.yml"
check_err $? "third run: $(tail -n 20 "$SG_TMP/run3")"
# the file, the restore it notifies, the feeds update that restore notifies
expect_eq "changed with one more allow prefix" 3 "$(changed "$SG_TMP/run3")"
grep -q 'changed: \[localhost\]' <(sed -n '/TASK \[smtpguard : Feeds\]/,/^$/p' "$SG_TMP/run3") &&
	sg_fail "feeds.conf changed"
expect_eq "allow list" "10.10.10.10 10.10.10.11 2001:db8:10::10" \
	"$(smtpguardctl -n "$NS_RTR" allow list | xargs)"
expect_eq "the rest of the configuration" "$(grep -v '^allow' <<<"$before")" "$(state | grep -v '^allow')"
log_test "one more allow prefix: exactly the file, its restore and the feeds' reload (changed=3)"

before=$(state)
file_before=$(md5sum <"$conf")
vars 10.10.10.10 10.0.0.1/8 >"$SG_TMP/bad.yml"
play "$SG_TMP/bad" -e @"$SG_TMP/bad.yml"
(($? != 0)) || sg_fail "a broken file was accepted"
grep -q 'failed to validate' "$SG_TMP/bad" && grep -q '10.0.0.1/8 has host bits set' "$SG_TMP/bad" ||
	sg_fail "no validate failure naming the bad line: $(grep -i 'fatal\|msg' "$SG_TMP/bad" | head -n 5)"
expect_eq "the file after a refused template" "$file_before" "$(md5sum <"$conf")"
expect_eq "the kernel after a refused template" "$before" "$(state)"
log_test "a template that renders a broken file is refused by validate; file and kernel untouched"

sg_check_kernel_clean
ksft_finish
