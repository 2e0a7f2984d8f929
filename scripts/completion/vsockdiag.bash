# SPDX-License-Identifier: GPL-2.0
# bash completion for vsockdiag(1): subcommands (and their unique prefixes), each subcommand's
# options as its --help lists them (tests/cli/install.sh checks that they agree), recordings for
# correlate, report and top -r (.dat .txt and .gz .xz .zst), trace events for -e (from tracefs'
# available_events when readable: only read, nothing is enabled), and the enumerated values of
# --color, --bpf, --bpf-hooks and top's --sort.
#
# Self-contained: it needs only bash (no bash-completion helpers), so `source` it anywhere.
# make install puts it in $(DATADIR)/bash-completion/completions/vsockdiag, where
# bash-completion loads it on first use.

_vsockdiag_subcommands='correlate export record report top help version'
_vsockdiag_global_opts='-j --json -p --pretty -v --verbose -q --quiet -h --help -V --version'

# every option each subcommand's --help documents
_vsockdiag_opts_correlate='--names --offset --map --stall --starve --grace --irq-a --irq-b
	--adb-port -o --output --width --color -j --json --pretty -v --verbose -q --quiet -h --help'
_vsockdiag_opts_export='-f --format -o --output --names --offset --map --stall --starve --grace
	--irq-a --irq-b --adb-port -j --json -q --quiet -h --help'
_vsockdiag_opts_report='--irq --adb-port -o --output --width --color -j --json --pretty
	-v --verbose -q --quiet -h --help'
_vsockdiag_opts_record='-o --output -d --duration -e --events --irq --no-filter --bpf
	--bpf-hooks --sample-hz --payload-ports --buffer-kb --max-size --flight-recorder --force
	--recover -j --json -v --verbose -q --quiet -h --help'
_vsockdiag_opts_top='-r --replay --speed -w --write --force -e --events --irq --bpf --sample-hz
	-d --delay -n --iterations -s --sort --reverse -f --filter --color --adb-port --starve
	-b --batch -o --output -j --json --openmetrics -q --quiet -h --help'

# the options of each subcommand that take a value (the next word, or --opt=value)
_vsockdiag_args_correlate='--names --offset --map --stall --starve --grace --irq-a --irq-b
	--adb-port -o --output --width --color'
_vsockdiag_args_export='-f --format -o --output --names --offset --map --stall --starve --grace
	--irq-a --irq-b --adb-port'
_vsockdiag_args_report='--irq --adb-port -o --output --width --color'
_vsockdiag_args_record='-o --output -d --duration -e --events --irq --bpf --bpf-hooks
	--sample-hz --payload-ports --buffer-kb --max-size --flight-recorder'
_vsockdiag_args_top='-r --replay --speed -w --write -e --events --irq --bpf --sample-hz
	-d --delay -n --iterations -s --sort -f --filter --color --adb-port --starve -o --output'

# the enumerated values (collectors/bpf_hooks.c, tui/ top columns, analyzers/sinks/export.c)
_vsockdiag_colors='auto always never'
_vsockdiag_export_formats='perfetto pcap html'
_vsockdiag_bpf_modes='auto off require'
_vsockdiag_bpf_hooks='rx_fill rx_level kick kick_skip vhost_kick vhost_wait vq_irq
	pkt_alloc_fail page_alloc_fail kmalloc_fail skb_drop payload ring_sample vhost_sample credit'
_vsockdiag_top_columns='conn local peer opener state process tx_bps rx_bps tx_pps rx_pps credit
	unread fwd_cnt idle'
# where the events are listed (read only)
_vsockdiag_event_files='/sys/kernel/tracing/available_events /sys/kernel/debug/tracing/available_events'
# record's default event set, offered when tracefs is not readable (not root)
_vsockdiag_default_events='vsock:* irq:irq_handler_entry irq:irq_handler_exit
	kmem:mm_page_alloc kmem:kmalloc skb:kfree_skb'

# _vsockdiag_add PREFIX WORD...: each WORD that starts with PREFIX into COMPREPLY (no compgen -W:
# event globs such as vsock:* must not be expanded)
_vsockdiag_add() {
	local prefix=$1 w
	shift
	for w in "$@"; do
		[[ $w == "$prefix"* ]] && COMPREPLY+=("$w")
	done
}

# the words as the user typed them: bash splits "--color=al" into --color, =, al and
# "vsock:vs" into vsock, :, vs (COMP_WORDBREAKS); join them again when nothing separated them
# in COMP_LINE (or, without COMP_LINE, always). Sets _vd_words and _vd_cword.
_vsockdiag_words() {
	local i w pos=0 rest trimmed gap join prev_sep=0
	_vd_words=()
	_vd_cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		gap=1
		if [[ -n ${COMP_LINE+set} ]]; then
			rest=${COMP_LINE:pos}
			trimmed=${rest#"${rest%%[![:space:]]*}"}
			((${#rest} != ${#trimmed})) || gap=0
			pos=$((pos + ${#rest} - ${#trimmed} + ${#w}))
		else
			gap=0
		fi
		join=0
		if ((i > 1 && !gap)) && [[ $w == +([=:]) ]] || ((i > 1 && !gap && prev_sep)); then
			join=1
		fi
		# a word made of separators only joins the previous one, and the next one joins it
		if [[ $w == +([=:]) ]]; then prev_sep=1; else prev_sep=0; fi
		if ((join)); then
			_vd_words[${#_vd_words[@]} - 1]+=$w
		else
			_vd_words+=("$w")
		fi
		((i == COMP_CWORD)) && _vd_cword=$((${#_vd_words[@]} - 1))
	done
	# the cursor after the last word (a space typed): an empty current word
	if ((COMP_CWORD >= ${#COMP_WORDS[@]})); then
		_vd_words+=("")
		_vd_cword=$((${#_vd_words[@]} - 1))
	fi
}

# the events tracefs offers (read only), with a "system:*" per system; the default set
# when it cannot be read
_vsockdiag_events() {
	local f line sys
	local -A systems=()
	for f in $_vsockdiag_event_files; do
		[[ -r $f ]] || continue
		_vd_events=()
		while IFS= read -r line; do
			[[ $line == *:* ]] || continue
			_vd_events+=("$line")
			sys=${line%%:*}
			[[ -n ${systems[$sys]+set} ]] || systems[$sys]=1
		done <"$f" 2>/dev/null
		for sys in "${!systems[@]}"; do
			_vd_events+=("$sys:*")
		done
		((${#_vd_events[@]})) && return 0
	done
	read -r -d '' -a _vd_events <<<"$_vsockdiag_default_events"
	return 0
}

# recordings correlate, report and top -r read: directories, and files named .dat .txt
# .gz .xz .zst (any other name is still accepted when typed)
_vsockdiag_recordings() {
	local cur=$1 f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		if [[ -d $f ]]; then
			COMPREPLY+=("$f")
		else
			case $f in
			*.dat | *.txt | *.gz | *.xz | *.zst) COMPREPLY+=("$f") ;;
			esac
		fi
	done < <(compgen -f -- "$cur")
}

_vsockdiag_files() {
	compopt -o filenames 2>/dev/null
	local f
	while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -f -- "$1")
}

# _vsockdiag_value SUBCOMMAND OPTION VALUE: the completions of OPTION's value
_vsockdiag_value() {
	local sub=$1 opt=$2 val=$3 head=
	case $opt in
	--color) _vsockdiag_add "$val" $_vsockdiag_colors ;;
	--bpf) _vsockdiag_add "$val" $_vsockdiag_bpf_modes ;;
	--bpf-hooks)
		# a comma list: complete its last element
		[[ $val == *,* ]] && head=${val%,*},
		local h hooks=()
		for h in $_vsockdiag_bpf_hooks; do hooks+=("$head$h"); done
		_vsockdiag_add "$val" "${hooks[@]}"
		;;
	-e | --events)
		[[ $val == *,* ]] && head=${val%,*},
		local e _vd_events=() evs=()
		_vsockdiag_events
		for e in "${_vd_events[@]}"; do evs+=("$head$e"); done
		_vsockdiag_add "$val" "${evs[@]}"
		;;
	-s | --sort) [[ $sub == top ]] && _vsockdiag_add "$val" $_vsockdiag_top_columns ;;
	-f | --format) [[ $sub == export ]] && _vsockdiag_add "$val" $_vsockdiag_export_formats ;;
	-r | --replay) _vsockdiag_recordings "$val" ;;
	-o | --output | -w | --write) _vsockdiag_files "$val" ;;
	esac
}

_vsockdiag() {
	local _vd_words _vd_cword
	_vsockdiag_words
	local cur=${_vd_words[_vd_cword]} prev="" i sub="" subi=0 s
	((_vd_cword > 0)) && prev=${_vd_words[_vd_cword - 1]}
	COMPREPLY=()

	# the subcommand: the first word after the global options (which take no value)
	for ((i = 1; i < _vd_cword; i++)); do
		case ${_vd_words[i]} in
		-*) continue ;;
		*)
			sub=${_vd_words[i]}
			subi=$i
			break
			;;
		esac
	done
	if [[ -z $sub ]]; then
		if [[ $cur == -* ]]; then
			_vsockdiag_add "$cur" $_vsockdiag_global_opts
		else
			_vsockdiag_add "$cur" $_vsockdiag_subcommands
		fi
		_vsockdiag_trim "$cur"
		return 0
	fi
	# a unique prefix stands for its subcommand (vsockdiag cor ...)
	local hits=()
	for s in $_vsockdiag_subcommands; do
		[[ $s == "$sub" ]] && hits=("$s") && break
		[[ $s == "$sub"* ]] && hits+=("$s")
	done
	((${#hits[@]} == 1)) || return 0
	sub=${hits[0]}
	case $sub in
	help)
		((_vd_cword == subi + 1)) && _vsockdiag_add "$cur" correlate export record report top
		return 0
		;;
	version) return 0 ;;
	esac

	# record -- COMMAND [ARGS]: a command, then its arguments (files)
	for ((i = subi + 1; i < _vd_cword; i++)); do
		if [[ ${_vd_words[i]} == -- ]]; then
			[[ $sub == record ]] || break
			if ((_vd_cword == i + 1)); then
				while IFS= read -r s; do COMPREPLY+=("$s"); done < <(compgen -c -- "$cur" | sort -u)
			else
				_vsockdiag_files "$cur"
			fi
			return 0
		fi
	done

	local opts_var=_vsockdiag_opts_$sub args_var=_vsockdiag_args_$sub
	local opts=${!opts_var} args=${!args_var}
	# --opt=value
	if [[ $cur == --*=* ]]; then
		local opt=${cur%%=*}
		_vsockdiag_value "$sub" "$opt" "${cur#*=}"
		for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
			COMPREPLY[i]=$opt=${COMPREPLY[i]}
		done
		_vsockdiag_trim "$cur"
		return 0
	fi
	# the value of the option before
	local padded=" ${args//[$'\t\n']/ } "
	if [[ -n $prev && $padded == *" $prev "* ]]; then
		_vsockdiag_value "$sub" "$prev" "$cur"
		_vsockdiag_trim "$cur"
		return 0
	fi
	if [[ $cur == -* ]]; then
		_vsockdiag_add "$cur" $opts
		return 0
	fi
	case $sub in
	correlate | export | report) _vsockdiag_recordings "$cur" ;;
	esac
	_vsockdiag_trim "$cur"
	return 0
}

# bash replaces only its own current word (after the last = or : of COMP_WORDBREAKS): drop
# what comes before it from the completions of the joined word
_vsockdiag_trim() {
	local cur=$1 own=${COMP_WORDS[COMP_CWORD]-} lead i
	[[ $cur == "$own" ]] && return 0
	# (the cursor just after a separator: bash's word is the separator itself, which the
	# completions keep)
	lead=${cur%"$own"}
	for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
		COMPREPLY[i]=${COMPREPLY[i]#"$lead"}
	done
}

complete -F _vsockdiag vsockdiag
