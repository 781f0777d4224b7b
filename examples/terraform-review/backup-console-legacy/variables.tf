variable "vpc_id" {
  type    = string
  default = "vpc-0corp"
}

variable "jump_host_sg" {
  type    = string
  default = "sg-0jump"
}

variable "monitoring_sg" {
  type    = string
  default = "sg-0monitoring"
}

variable "workstation_cidr" {
  description = "The workstation subnet."
  type        = string
  default     = "10.20.1.0/24"
}
