"""Sums Surefire's XML reports: prints `kotlin: N passed, N failed` and exits 1 when a
test failed or none ran."""
import glob
import sys
import xml.etree.ElementTree as ET

tests = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
passed = tests - failed - skipped
print(f"kotlin: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
