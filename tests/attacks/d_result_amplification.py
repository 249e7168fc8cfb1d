# attack: return 2.7 million empty objects: 8.1 MB of JSON, just under the
#    result cap, the most expensive shape for a tree-building JSON parser
# why: the daemon parses the runner's document and re-encodes it, in processes
#    shared by all executions and outside the execution's cgroup; the test
#    checks their peak memory growth stays bounded
# expect-result: isinstance(result, list) and len(result) == 2700000 and result[0] == {}
# expect-error: result_too_large
# memory: 512
# timeout: 10
# max-seconds: 30

def main():
    return [{}] * 2700000
