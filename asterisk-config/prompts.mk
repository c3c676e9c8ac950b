# asterisk-config/prompts.mk - the prompts the flow plays (SPEC R10.3).
#
#   make -f asterisk-config/prompts.mk prompts    (from the repository root)
#   include asterisk-config/prompts.mk            (from the main Makefile)
#
# prompts        speak every line of asterisk-config/prompts.txt into
#                asterisk-config/sounds/en/callingd/NAME.{ulaw,alaw,wav}
#                (8 kHz mono; git-ignored), installing espeak-ng and sox
#                (Debian packages) when missing. Only prompts whose text or
#                generator changed are made again.
# prompts-clean  remove the generated sounds.
#
# PROMPTS_VOICE (espeak-ng voice, default en-gb) and PROMPTS_SPEED (words per
# minute, default 150) pick the voice; after changing them run
# `make prompts-clean prompts`.
#
# Every recipe is one shell line, so it runs the same under the main
# Makefile (.ONESHELL, bash -eu -o pipefail) and on its own (/bin/sh).

# This file's directory as it was named (asterisk-config when run from the
# repository root), taken before any other include changes MAKEFILE_LIST.
PROMPTS_HERE  := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
PROMPTS_SRC   := $(PROMPTS_HERE)/prompts.txt
PROMPTS_GEN   := $(PROMPTS_HERE)/gen-prompts.sh
PROMPTS_MK    := $(PROMPTS_HERE)/prompts.mk
PROMPTS_DIR   := $(PROMPTS_HERE)/sounds/en/callingd
PROMPTS_VOICE ?= en-gb
PROMPTS_SPEED ?= 150
PROMPTS_NAMES := $(shell sed -n 's/^\([a-z0-9-][a-z0-9-]*\)|.*/\1/p' $(PROMPTS_SRC) 2>/dev/null)
PROMPTS_FILES := $(PROMPTS_NAMES:%=$(PROMPTS_DIR)/%.ulaw)

.PHONY: prompts prompts-deps prompts-clean

prompts: $(PROMPTS_FILES)
	@if [ -z "$(PROMPTS_NAMES)" ]; then echo "prompts: no name|text lines in $(PROMPTS_SRC)" >&2; exit 1; fi; echo "prompts: $(words $(PROMPTS_NAMES)) prompts in $(PROMPTS_DIR)"

# Debian packages, installed only when missing (soxi comes with sox).
prompts-deps:
	@if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v sox >/dev/null 2>&1 || ! command -v soxi >/dev/null 2>&1; then echo "prompts: installing espeak-ng and sox"; { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; } || { echo "prompts: could not install espeak-ng and sox; install them (Debian: apt-get install espeak-ng sox) and run make prompts again" >&2; exit 1; }; fi

# One prompt: its .ulaw stands for the .alaw and .wav made with it.
$(PROMPTS_DIR)/%.ulaw: $(PROMPTS_SRC) $(PROMPTS_GEN) $(PROMPTS_MK) | prompts-deps
	@PROMPTS_VOICE='$(PROMPTS_VOICE)' PROMPTS_SPEED='$(PROMPTS_SPEED)' bash $(PROMPTS_GEN) $(PROMPTS_SRC) $(PROMPTS_DIR) $*

prompts-clean:
	rm -rf $(PROMPTS_HERE)/sounds
