"""An X server without a screen (Xvfb) for the tests and benchmarks of
the SDL window: started on a free display number it picks itself
(-displayfd), closed with close()."""
import os
import re
import subprocess


class Xvfb:
    def __init__(self, d):
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0",
                                      "1280x1024x24", "-nolisten", "tcp"], pass_fds=(w,),
                                     stdout=subprocess.DEVNULL, stderr=open(f"{d}/xvfb.log", "w"))
        os.close(w)
        with os.fdopen(r) as f:
            self.display = ":" + f.readline().strip()

    def env(self):
        return dict(os.environ, DISPLAY=self.display)

    def run(self, *argv):
        return subprocess.run(argv, capture_output=True, env=self.env(), timeout=30)

    def windows(self):
        """(id, title, width, height, x, y) of the top-level windows."""
        out = self.run("xwininfo", "-root", "-tree").stdout.decode(errors="replace")
        return [(m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                 int(m.group(6)))
                for m in re.finditer(r'(0x[0-9a-f]+) "([^"]*)": \([^)]*\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)',
                                     out)]

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
