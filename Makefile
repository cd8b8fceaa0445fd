# Convenience targets: one per ./run.sh command (the list is run.sh's own, read from
# ./run.sh help), each of which installs what is missing, configures and builds; and clean.
COMMANDS := $(shell ./run.sh help | awk '/^  [a-z]/ { print $$1 }')

.DEFAULT_GOAL := demo
.PHONY: $(COMMANDS) clean
$(COMMANDS):
	./run.sh $@
clean:
	rm -rf build build-sanitize build-fuzz
