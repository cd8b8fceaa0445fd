# Convenience targets; each one is run.sh, which installs dependencies, configures and builds.
.PHONY: demo test sanitize bench fuzz clean
demo test sanitize bench fuzz:
	./run.sh $@
clean:
	rm -rf build build-sanitize build-fuzz
