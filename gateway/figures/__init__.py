"""Supply review and finance at the gateway: rough-cut capacity of a demand plan, any plan
(demand, supply, consensus) in money, its gap to the AOP and its KPIs, and operations' supply
plan compared line by line with the consensus plan."""
