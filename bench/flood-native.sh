#!/usr/bin/env bash
# The log flood with a native writer (bench/apps/flood_writer.c): see bench/flood.sh --native.
exec "$(dirname "$0")/flood.sh" --native "$@"
