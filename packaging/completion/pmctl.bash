# bash completion for pmctl: commands, their flags, and the names of the apps pmd runs.
# Installed as /usr/share/bash-completion/completions/pmctl (or source it from ~/.bashrc).

# App names from a daemon that is already running; completion never starts one.
_pmctl_app_names() {
  local home="${PMD_HOME:-$HOME/.pmd}"
  [[ -S "$home/pmd.sock" ]] || return 0
  pmctl list --json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort -u
}

_pmctl() {
  local cur prev cmd i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  local commands="start stop restart reload scale delete config list describe jlist prettylist pid id logs flush
    reloadLogs monit metrics web save resurrect cleardump startup unstartup export reset sendSignal env init update ping kill
    version"

  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      --host|-H|--parallel-hosts) ((i++)); continue ;;  # their value is not the command
    esac
    if [[ "${COMP_WORDS[i]}" != -* ]]; then cmd="${COMP_WORDS[i]}"; break; fi
  done
  case "$prev" in
    --host|-H) COMPREPLY=($(compgen -A hostname -- "$cur")); return 0 ;;
    --parallel-hosts) return 0 ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "$commands --host --parallel-hosts --help --version" -- "$cur"))
    return 0
  fi

  local flags=""
  case "$cmd" in
    start)
      flags="--name -n --interpreter --execute-command -x --disable-logs --interpreter-args --node-args --cwd --instances -i --max-memory-restart
        --max-restarts --min-uptime --restart-delay --exp-backoff-restart-delay --kill-timeout --kill-signal
        --listen-timeout --exec-mode --port --listen --balance --output -o --error -e --log -l --log-date-format --log-type
        --log-max-size --log-retain --namespace --instance-var --increment-var --user --uid --group --gid --stop-exit-codes
        --no-autorestart --wait-ready --ready-on --shutdown-with-message --merge-logs --time --env-var --watch --ignore-watch
        --watch-delay --cron-restart --cron -c --pid -p --append-env-to-name --no-autostart --env --only --update-env -a
        --strict --no-daemon --force -f" ;;
    stop) flags="--only --env --watch" ;;
    delete|del) flags="--only --env" ;;
    restart|startOrRestart) flags="--only --env --update-env --name -n --interpreter --execute-command -x --disable-logs --interpreter-args --node-args --cwd --instances -i --max-memory-restart
        --max-restarts --min-uptime --restart-delay --exp-backoff-restart-delay --kill-timeout --kill-signal
        --listen-timeout --exec-mode --port --listen --balance --output -o --error -e --log -l --log-date-format --log-type
        --log-max-size --log-retain --namespace --instance-var --increment-var --user --uid --group --gid --stop-exit-codes
        --no-autorestart --wait-ready --ready-on --shutdown-with-message --merge-logs --time --env-var --watch --ignore-watch
        --watch-delay --cron-restart --cron -c --pid -p --append-env-to-name --no-autostart" ;;
    reload|gracefulReload|startOrReload|startOrGracefulReload) flags="--only --env --parallel --update-env --name -n --interpreter --execute-command -x --disable-logs --interpreter-args --node-args --cwd --instances -i --max-memory-restart
        --max-restarts --min-uptime --restart-delay --exp-backoff-restart-delay --kill-timeout --kill-signal
        --listen-timeout --exec-mode --port --listen --balance --output -o --error -e --log -l --log-date-format --log-type
        --log-max-size --log-retain --namespace --instance-var --increment-var --user --uid --group --gid --stop-exit-codes
        --no-autorestart --wait-ready --ready-on --shutdown-with-message --merge-logs --time --env-var --watch --ignore-watch
        --watch-delay --cron-restart --cron -c --pid -p --append-env-to-name --no-autostart" ;;
    list|ls|status|l|ps) flags="--json --sort" ;;
    describe|show|info|desc) flags="--json" ;;
    web) flags="--json" ;;
    config) flags="--env --only --json --force -f --strict" ;;
    logs) flags="--lines --nostream --follow -f --out --err --json --timestamp --raw --format --highlight" ;;
    save|dump) flags="--force" ;;
    startup) flags="--user -u --root --service-name --hp --print" ;;
    unstartup) flags="--user -u --root --service-name --hp" ;;
    export) flags="--env --only --to --cpus --image" ;;
  esac

  case "$prev" in
    --exec-mode) COMPREPLY=($(compgen -W "fork cluster" -- "$cur")); return 0 ;;
    --balance) COMPREPLY=($(compgen -W "shared reuseport" -- "$cur")); return 0 ;;
    --log-type) COMPREPLY=($(compgen -W "json" -- "$cur")); return 0 ;;
    --interpreter) COMPREPLY=($(compgen -c -- "$cur")); return 0 ;;
    --user|-u|--uid) COMPREPLY=($(compgen -u -- "$cur")); return 0 ;;
    --group|--gid) COMPREPLY=($(compgen -g -- "$cur")); return 0 ;;
    --cwd|--root) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    --output|--error|--log) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac

  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
    return 0
  fi
  case "$cmd" in
    start) COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "$(_pmctl_app_names)" -- "$cur")) ;;
    stop|restart|reload|delete|del|describe|show|info|desc|logs|flush|scale|pid|id|reset|env|startOrRestart|gracefulReload|startOrReload|startOrGracefulReload)
      COMPREPLY=($(compgen -W "all $(_pmctl_app_names)" -- "$cur") $(compgen -f -X '!*.@(js|cjs|mjs|json|json5|yml|yaml)' -- "$cur")) ;;
    config) COMPREPLY=($(compgen -f -- "$cur")) ;;
    startup) COMPREPLY=($(compgen -W "systemd" -- "$cur")) ;;
    export)
      if [[ "$prev" == export ]]; then COMPREPLY=($(compgen -W "systemd kubernetes compose" -- "$cur"))
      else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    sendSignal|signal) COMPREPLY=($(compgen -W "SIGUSR1 SIGUSR2 SIGHUP SIGTERM SIGINT all $(_pmctl_app_names)" -- "$cur")) ;;
  esac
  return 0
}
complete -o filenames -F _pmctl pmctl
