import os
import pickle
import subprocess

import requests


def run(command):
    subprocess.run(command, shell=True)
    os.system("ls -la")
    os.system("rm -rf " + command)


def load(blob):
    return pickle.loads(blob)


def fetch(url):
    return requests.get(url, verify=False)


def compute(expression):
    # eval(expression) would be dangerous
    return eval(expression)
