// placeholder until the CLI lands
process.stdout.write('holmes-node: commands coming\n');
